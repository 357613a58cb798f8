# Depends on a sibling of the same scope.
{ mkPkg, hello }:
mkPkg "world" { text = "${hello.text} world"; dep = hello; }
