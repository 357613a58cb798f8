# The NixOS namespaces nixplan does not declare, declared whole, for
# NixOS evaluated by a real nixpkgs lib (which refuses undeclared options
# read through `options`): modules may define them, test them
# (`options.systemd ? sysusers`) and declare options inside them; nothing
# in them is checked. Written for nixplan.
{ lib, pkgs, ... }:
let
  b = builtins;
  inherit (lib) types;
  # `anything` whose sets stay lazy: an attribute's definitions (and their
  # mkIf conditions) are merged only when it is read.
  lazyAnything = types.anything // {
    name = "lazyAnything";
    merge = loc: defs:
      if b.all (d: b.isAttrs d.value && !(d.value ? outPath) && !(d.value ? __toString)) defs
      then (types.lazyAttrsOf lazyAnything).merge loc defs
      else types.anything.merge loc defs;
  };
  # NixOS namespaces nixplan does not declare, declared whole so that
  # modules may define and test them (`options.systemd ? sysusers`,
  # `config.services.x.enable` where defined); nothing in them is checked.
  namespaces = [
    "appstream" "console" "containers" "documentation" "fonts" "hardware" "i18n"
    "location" "nix" "powerManagement" "programs" "qt" "security" "services"
    "sound" "specialisation" "systemd" "time" "virtualisation" "xdg" "zramSwap"
  ];
in
{
  # NixOS's defaults that modules commonly read (Home Manager, sops-nix).
  config = {
    fonts.fontconfig.enable = lib.mkDefault true;
    nix.enable = lib.mkDefault true;
    nix.package = lib.mkDefault pkgs.nix;
    services.openssh.enable = lib.mkDefault false;
    services.openssh.hostKeys = lib.mkDefault [
      { type = "rsa"; bits = 4096; path = "/etc/ssh/ssh_host_rsa_key"; }
      { type = "ed25519"; path = "/etc/ssh/ssh_host_ed25519_key"; }
    ];
    services.userborn.enable = lib.mkDefault false;
    systemd.sysusers.enable = lib.mkDefault false;
  };
  options = b.listToAttrs (map (n: {
    name = n;
    value = lib.mkOption {
      type = types.submoduleWith { modules = [ { freeformType = types.lazyAttrsOf lazyAnything; } ]; };
      default = { };
    };
  }) namespaces);
}
