let lib = import <nixplan/lib.nix>; in
(lib.evalModules { modules = [ { options.port = lib.mkOption { type = lib.types.port; }; } { port = "80"; } ]; }).config.port
