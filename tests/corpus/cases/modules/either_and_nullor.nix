let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types; in
(lib.evalModules { modules = [
  { options.a = mkOption { type = types.either types.int types.str; };
    options.b = mkOption { type = types.nullOr types.str; default = null; };
    options.c = mkOption { type = types.oneOf [ types.bool types.int types.str ]; }; }
  { a = "x"; c = 3; }
]; }).config
