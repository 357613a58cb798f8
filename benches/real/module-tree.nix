# A module tree shaped like NixOS, evaluated by nixpkgs' real
# lib.evalModules: 2,000 modules declaring options in nested namespaces
# (services.sN.*, with submodules), 30,000 definitions through mkIf,
# mkMerge, mkDefault and mkForce; a handful of options read as a planner
# reads them.
{ upstream }:
let
  lib = import (upstream + "/nixpkgs-lib/lib");
  inherit (lib) mkOption types mkIf mkMerge mkDefault mkForce;
  n = 2000;
  name = i: "s${toString i}";
  declare = i: { config, ... }: {
    options.services.${name i} = {
      enable = mkOption { type = types.bool; default = false; };
      port = mkOption { type = types.port; default = 1000 + i; };
      paths = mkOption { type = types.listOf types.str; default = [ ]; };
      users = mkOption {
        default = { };
        type = types.attrsOf (types.submodule ({ name, ... }: {
          options.home = mkOption { type = types.str; default = "/home/${name}"; };
          options.groups = mkOption { type = types.listOf types.str; default = [ ]; };
        }));
      };
    };
    # 15 definitions per module: 30,000 in all.
    config = mkMerge [
      { services.${name i}.paths = [ "/var/lib/${name i}" "/var/log/${name i}" ]; }
      (mkIf (lib.mod i 3 == 0) { services.${name i}.enable = mkDefault true; })
      (mkIf config.services.${name i}.enable {
        services.${name i}.users = { alice.groups = [ "g${toString i}" ]; bob = { }; };
      })
      { services.${name (lib.mod (i + 1) n)}.paths = mkDefault [ "/srv/${name i}" ]; }
      { services.${name (lib.mod (i + 7) n)}.port = mkDefault (2000 + i); }
      (mkIf (lib.mod i 10 == 0) { services.${name i}.port = mkForce (3000 + i); })
      { services.${name i}.users.carol.home = mkDefault "/srv/carol-${toString i}"; }
      { services.${name i}.users.dave = { }; }
      { services.${name i}.users.erin.groups = [ "wheel" ]; }
      { services.${name i}.paths = [ "/etc/${name i}" ]; }
      (mkIf (lib.mod i 5 == 0) { services.${name i}.paths = [ "/run/${name i}" ]; })
      { services.${name i}.users.frank = { }; }
      { services.${name i}.users.grace.groups = mkDefault [ "users" ]; }
      { services.${name i}.users.heidi = { }; }
      { services.${name i}.users.ivan = { }; }
    ];
  };
  eval = lib.evalModules { modules = builtins.genList declare n; };
  cfg = eval.config.services;
in
{
  enabled = builtins.length (builtins.filter (i: cfg.${name i}.enable) (builtins.genList (x: x) n));
  ports = map (i: cfg.${name i}.port) [ 0 10 999 1999 ];
  paths = cfg.${name 30}.paths;
  users = builtins.attrNames cfg.${name 3}.users;
  alice = cfg.${name 3}.users.alice;
}
