# The NixOS namespaces nixplan does not declare (services, programs,
# hardware...), for NixOS evaluated by a real nixpkgs lib (which refuses
# undeclared options read through `options`): modules may define them,
# test them (`options.systemd ? sysusers`) and declare options inside them;
# nothing in them is checked.
#
# Declared whole, a namespace is one option: its definitions' `mkIf`
# conditions are decided for all of it at once, and a condition that reads
# something in the same namespace (`options.services.app.enable = ...;
# config = mkIf config.services.app.enable { services.nginx.enable = true;
# }`, the commonest NixOS pattern; or `mkIf (... firefox ...) {
# programs.firefox... }` read while computing `programs.hyprland`) never
# ends. Real NixOS declares every option, so only the definitions of the
# option read are decided. nixplan cannot declare NixOS's options, but it
# can come close: `layout.${namespace}` gives the names the configuration's
# modules define at its second level (`defined`, found by `nixosSystemOf`
# without deciding any condition) and those they declare options under
# (`declared`); such a namespace is a set of options — each of
# those names declared whole on its own, beside the options the
# configuration's modules declare there and the few NixOS options nixplan
# knows (`known`, with NixOS's defaults) — so that reading
# `programs.hyprland` decides only the conditions of its own definitions.
# A namespace absent from `layout` (nothing defined or declared in it) is
# declared whole. Written for nixplan.
let
  b = builtins;
  # NixOS namespaces nixplan does not declare.
  names = [
    "appstream" "console" "containers" "documentation" "fonts" "hardware" "i18n"
    "location" "nix" "powerManagement" "programs" "qt" "security" "services"
    "sound" "specialisation" "systemd" "time" "virtualisation" "xdg" "zramSwap"
  ];
  # NixOS's options that modules commonly read (Home Manager, sops-nix),
  # with NixOS's defaults.
  known = types: pkgs: {
    fonts.fontconfig.enable = { type = types.bool; default = true; };
    nix.enable = { type = types.bool; default = true; };
    # Home Manager users read it to know whether dconf settings can apply.
    programs.dconf.enable = { type = types.bool; default = false; };
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
in
{
  inherit names;
  module = { layout ? { } }:
    { lib, pkgs, ... }:
    let
      inherit (lib) types;
      # `anything` whose sets stay lazy: an attribute's definitions (and
      # their mkIf conditions) are merged only when it is read.
      lazyAnything = types.anything // {
        name = "lazyAnything";
        merge = loc: defs:
          if b.all (d: b.isAttrs d.value && !(d.value ? outPath) && !(d.value ? __toString)) defs
          then (types.lazyAttrsOf lazyAnything).merge loc defs
          else types.anything.merge loc defs;
      };
      wholeOption = lib.mkOption {
        type = types.submoduleWith { modules = [ { freeformType = types.lazyAttrsOf lazyAnything; } ]; };
        default = { };
        # How `nixosSystemOf` tells these from the user's options.
        description = "nixplan: a NixOS namespace declared whole";
      };
      # A name defined in a namespace (`programs.firefox`, `time.timeZone`):
      # any value, sets merged lazily; `{ }` when its definitions' conditions
      # are all false (`programs.firefox.enable or false` reads false).
      nameOption = lib.mkOption {
        type = lazyAnything;
        default = { };
        description = "nixplan: a NixOS option declared whole";
      };
      isKnown = v: v ? type && v ? default;
      knownHere = known types pkgs;
      whole = b.filter (n: !(layout ? ${n})) names;
      knownIn = ns: lib.filterAttrs (n: _: b.elem n ns) knownHere;
    in
    {
      config = lib.mapAttrsRecursiveCond (v: !(isKnown v)) (_: v: lib.mkDefault v.default) (knownIn whole);
      options = b.listToAttrs (map (n: { name = n; value = wholeOption; }) whole)
        // b.mapAttrs (ns: { defined, declared }:
          let
            known' = knownHere.${ns} or { };
            knownOptions = lib.mapAttrsRecursiveCond (v: !(isKnown v)) (_: v: lib.mkOption v);
          in
          b.listToAttrs (map (n: { name = n; value = nameOption; }) (b.filter (n: !(known' ? ${n})) defined))
          # A name nixplan knows options of (`services.openssh`): those
          # options, and whatever else is defined beside them readable
          # (`services.openssh.ports`) — unless a module declares options
          # there too: then theirs and nixplan's, as in NixOS.
          // b.mapAttrs (n: opts:
            if b.elem n declared then knownOptions opts
            else lib.mkOption {
              type = types.submoduleWith { modules = [ { freeformType = types.lazyAttrsOf lazyAnything; options = knownOptions opts; } ]; };
              default = { };
            }) known')
          layout;
    };
}
