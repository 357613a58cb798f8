# In the nested scope: sees the outer scope's packages.
{ mkPkg, world }:
mkPkg "fmt" { text = "fmt for ${world.text}"; }
