let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types; in
(lib.evalModules { modules = [
  { options.disks = mkOption { type = types.attrsOf (types.submodule { options.device = mkOption { type = types.str; };
      options.label = mkOption { type = types.str; default = "none"; }; }); }; }
  { disks.main = { name, ... }: { device = "/dev/${name}"; label = "disk-${name}"; }; }
]; }).config.disks
