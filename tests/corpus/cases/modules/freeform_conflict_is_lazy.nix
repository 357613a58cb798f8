let lib = import <nixplan/lib.nix>;
  c = (lib.evalModules { modules = [ { a = 1; b = "x"; } { a = 2; b = "x"; } ]; }).config;
in [ c.b (builtins.tryEval c.b).success ]
