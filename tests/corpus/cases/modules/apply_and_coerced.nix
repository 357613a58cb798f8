let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types; in
(lib.evalModules { modules = [
  { options.size = mkOption { type = types.int; apply = x: x * 1024; };
    options.dirs = mkOption { type = types.listOf (types.coercedTo types.str (d: { directory = d; mode = "0755"; }) types.attrs); default = [ ]; }; }
  { size = 2; dirs = [ "/var/lib/nixos" { directory = "/srv"; mode = "0700"; } ]; }
]; }).config
