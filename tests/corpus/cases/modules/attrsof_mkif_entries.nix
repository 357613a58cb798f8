let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types mkIf; in
(lib.evalModules { modules = [
  { options.fileSystems = mkOption { type = types.attrsOf types.str; default = { }; }; }
  { fileSystems = mkIf true { "/" = "ext4"; }; }
  { fileSystems."/boot" = mkIf false "vfat"; fileSystems."/nix" = "btrfs"; }
]; }).config.fileSystems
