# The NixOS namespaces nixplan does not declare, declared whole, for
# NixOS evaluated by a real nixpkgs lib (which refuses undeclared options
# read through `options`): modules may define them, test them
# (`options.systemd ? sysusers`) and declare options inside them; nothing
# in them is checked.
#
# A namespace declared whole is one option: its definitions' `mkIf`
# conditions are decided for all of it at once. A module that declares
# its own options in it and defines others under a condition reading
# them (`options.services.app.enable = ...; config = mkIf
# config.services.app.enable { services.nginx.enable = true; }`, the
# commonest NixOS pattern) would be an infinite recursion. The namespaces
# modules declare options in (`plain`, found by `nixosSystemOf` from a first
# look at the options alone) are therefore left as NixOS has them, sets of
# options: theirs, and the few nixplan declares below; there what is
# neither is not checked and cannot be read. Written for nixplan.
{ plain ? [ ] }:
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
  # NixOS's options that modules commonly read (Home Manager, sops-nix),
  # with NixOS's defaults: definitions in a namespace declared whole, or
  # options in one left plain.
  known = {
    fonts.fontconfig.enable = { type = types.bool; default = true; };
    nix.enable = { type = types.bool; default = true; };
    nix.package = { type = types.raw; default = pkgs.nix; };
    services.openssh.enable = { type = types.bool; default = false; };
    services.openssh.hostKeys = {
      type = types.listOf types.attrs;
      default = [
        { type = "rsa"; bits = 4096; path = "/etc/ssh/ssh_host_rsa_key"; }
        { type = "ed25519"; path = "/etc/ssh/ssh_host_ed25519_key"; }
      ];
    };
    services.userborn.enable = { type = types.bool; default = false; };
    systemd.sysusers.enable = { type = types.bool; default = false; };
  };
  isKnown = v: v ? type && v ? default;
  whole = b.filter (n: !(b.elem n plain)) namespaces;
  knownIn = names: lib.filterAttrs (n: _: b.elem n names) known;
in
{
  config = lib.mapAttrsRecursiveCond (v: !(isKnown v)) (_: v: lib.mkDefault v.default) (knownIn whole);
  options = b.listToAttrs (map (n: {
    name = n;
    value = lib.mkOption {
      type = types.submoduleWith { modules = [ { freeformType = types.lazyAttrsOf lazyAnything; } ]; };
      default = { };
      # How `nixosSystemOf` tells these from the user's options.
      description = "nixplan: a NixOS namespace declared whole";
    };
  }) whole)
  // lib.mapAttrsRecursiveCond (v: !(isKnown v)) (_: v: lib.mkOption v) (knownIn plain)
  // b.listToAttrs (map (n: { name = n; value = { }; }) (b.filter (n: !(known ? ${n})) plain));
}
