# A directory with package.nix is one package, not a scope.
{ hello, world }:
{ kind = "app"; parts = [ hello.text world.text ]; }
