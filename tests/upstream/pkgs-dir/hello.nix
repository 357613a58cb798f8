# A package of the fixture scope: a derivation built from `mkPkg`.
{ mkPkg, greeting ? "hello" }:
mkPkg "hello" { text = greeting; }
