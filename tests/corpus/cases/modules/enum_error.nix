let lib = import <nixplan/lib.nix>; in
(lib.evalModules { modules = [ { options.fs = lib.mkOption { type = lib.types.enum [ "ext4" "xfs" ]; }; } { fs = "ntfs"; } ]; }).config.fs
