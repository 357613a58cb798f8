let lib = import <nixplan/lib.nix>; in
(lib.evalModules { modules = [ { options.device = lib.mkOption { type = lib.types.str; }; } ]; }).config.device
