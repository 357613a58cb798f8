# flake-parts' mkFlake over nixpkgs' real lib with 40 modules: each
# declares an option and sets perSystem packages and flake outputs, for
# four systems; the flake's outputs are read whole.
{ upstream }:
let
  lib = import (upstream + "/nixpkgs-lib/lib");
  flake-parts = (import (upstream + "/flake-parts/flake.nix")).outputs {
    nixpkgs-lib = { inherit lib; };
  };
  self = { outPath = "/nonexistent/bench-flake"; inherit inputs; };
  inputs = { inherit self; };
  module = i: { config, lib, ... }: {
    options.bench."m${toString i}" = lib.mkOption { type = lib.types.int; default = i; };
    config = {
      flake.nixosModules."m${toString i}" = { networking.hostName = lib.mkDefault "m${toString i}"; };
      perSystem = { system, ... }: {
        packages."p${toString i}" = {
          type = "derivation";
          name = "p${toString i}-${system}";
          outPath = "/nix/store/00000000000000000000000000000000-p${toString i}-${system}";
        };
        legacyPackages."g${toString i}" = "module ${toString i} on ${system}";
      };
    };
  };
  flake = flake-parts.lib.mkFlake { inherit inputs; } {
    systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    imports = builtins.genList module 40 ++ [
      ({ config, lib, ... }: { flake.lib.sum = lib.foldl' (a: b: a + b) 0 (lib.attrValues config.bench); })
    ];
  };
in
{
  lib = flake.lib;
  modules = builtins.attrNames flake.nixosModules;
  packages = builtins.mapAttrs (_: ps: builtins.mapAttrs (_: p: p.name) ps) flake.packages;
  legacy = flake.legacyPackages;
}
