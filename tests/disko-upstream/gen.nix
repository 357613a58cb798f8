# disko's own create and mount scripts for one of its examples, as that
# disko generates them: its library's `toplevel` type evaluated by nixpkgs'
# lib module system (no NixOS, no pkgs: the scripts are plain strings).
# Used by regenerate.sh with nix-instantiate; nothing of nixplan is involved.
{
  example,
  disko,
  nixpkgsLib,
}:
let
  lib = import nixpkgsLib;
  diskoLib = import (disko + "/lib") {
    inherit lib;
    makeTest = null;
    eval-config = null;
    qemu-common = null;
  };
  # An example may be a function of module arguments with defaults of its
  # own (with-lib.nix takes `disks ? [ ... ]`): call it with what it asks
  # for among the arguments a module gets, so its defaults apply.
  asModule =
    f:
    if builtins.isFunction f then
      { lib, ... }@args: f (builtins.intersectAttrs (builtins.functionArgs f) args)
    else
      f;
  devices =
    (lib.evalModules {
      modules = [
        { options.disko.devices = lib.mkOption { type = diskoLib.toplevel; }; }
        (asModule (import example))
      ];
    }).config.disko.devices;
  # The stand-alone example is a NixOS configuration that calls disko's
  # library itself and puts the scripts in environment.systemPackages:
  # read them from there, with a writeScriptBin that keeps the text.
  standAlone =
    let
      configuration = import (example + "/configuration.nix") {
        inherit lib;
        pkgs.writeScriptBin = name: text: { inherit name text; };
      };
      script = name: (lib.findFirst (p: p.name == name) null configuration.environment.systemPackages).text;
    in
    {
      create = script "tsp-create";
      mount = script "tsp-mount";
    };
in
if builtins.pathExists (example + "/configuration.nix") then
  standAlone
else
  {
    create = devices._create;
    mount = devices._mount;
  }
