# `import nixpkgs { ... }` on the nixpkgs stand-in: an opaque package set
# with the given overlays applied. `callPackage` is real (a file or
# function called with what it asks for from the set, `lib` included), so
# modules that build helpers with it (impermanence's lib) get them; the
# packages themselves stay opaque. Written for nixplan.
{ system ? "x86_64-linux", localSystem ? { inherit system; }, overlays ? [ ], config ? { }, lib ? import ../../lib.nix, path ? ../.., ... }:
let
  callPackage = fn: args:
    let
      f = if builtins.isFunction fn then fn else import fn;
      formals = builtins.functionArgs f;
      auto = builtins.mapAttrs (name: _: if name == "lib" then lib else final.${name}) formals;
    in
    if formals == { } then f args else f (auto // args);
  # `pkgs.formats.<name> { }`: option types for settings (any value) and
  # a generator giving an opaque file.
  format = name: _: {
    type = lib.types.anything;
    generate = file: _: final.${file};
    lib.types = { atom = lib.types.anything; section = lib.types.anything; };
  };
  formats = builtins.listToAttrs (map (n: { name = n; value = format n; }) [
    "cdn" "elixirConf" "gitIni" "hocon" "ini" "iniWithGlobalSection" "javaProperties"
    "json" "keyValue" "libconfig" "lua" "nixConf" "php" "plist" "pythonVars" "systemd"
    "toml" "xml" "yaml" "yaml_1_1" "yaml_1_2"
  ]);
  # The platform, real where the lib can say (`lib.systems.elaborate`).
  sys = localSystem.system or system;
  platform =
    if lib ? systems.elaborate then lib.systems.elaborate sys
    else { system = sys; isLinux = builtins.match ".*-linux" sys != null; isDarwin = builtins.match ".*-darwin" sys != null; };
  plain = builtins.__nixplanOpaque { kind = "pkgs"; name = sys; };
  stdenv = plain.stdenv // {
    hostPlatform = platform;
    buildPlatform = platform;
    targetPlatform = platform;
    inherit (platform) isLinux isDarwin;
    system = sys;
  };
  base = builtins.__nixplanOpaque {
    kind = "pkgs";
    name = localSystem.system or system;
    # `pkgs.path + "/nixos/modules/..."`: nixplan's stand-in NixOS tree.
    # `overlays`, `config` and `system` as a real package set has them
    # (colmena's meta.nixpkgs passes them on to each node).
    attrs = { inherit callPackage lib formats stdenv path overlays config; system = sys; hostPlatform = platform; buildPlatform = platform; };
  };
  apply = prev: overlay: prev // overlay final prev;
  final = builtins.foldl' apply base overlays;
in
final
