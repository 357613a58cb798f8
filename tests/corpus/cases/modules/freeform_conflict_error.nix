let lib = import <nixplan/lib.nix>;
in (lib.evalModules { modules = [ { a = 1; } { a = 2; } ]; }).config.a
