let lib = import <nixplan/lib.nix>; in
(lib.evalModules { modules = [ { options.host = lib.mkOption { type = lib.types.str; }; } { host = "a"; } { host = "a"; } ]; }).config.host
