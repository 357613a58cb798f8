# flake-parts' mkFlake over nixpkgs' real lib, as a user's flake calls it:
# systems, perSystem outputs, and a flake.nixosModules entry (the case
# that ended in "infinite recursion" at modules/flake.nix:44).
{ upstream }:
let
  lib = import (upstream + "/nixpkgs-lib/lib");
  flake-parts = (import (upstream + "/flake-parts/flake.nix")).outputs {
    nixpkgs-lib = { inherit lib; };
  };
  self = {
    outPath = "/nonexistent/user-flake";
    inherit inputs;
  };
  inputs = { inherit self; };
  flake = flake-parts.lib.mkFlake { inherit inputs; } {
    systems = [ "x86_64-linux" "aarch64-linux" ];
    flake.nixosModules.default = { lib, ... }: {
      networking.hostName = lib.mkDefault "box";
    };
    flake.lib.answer = 42;
    perSystem = { system, ... }: {
      packages.hello = {
        type = "derivation";
        name = "hello-${system}";
        outPath = "/nix/store/00000000000000000000000000000000-hello-${system}";
      };
      legacyPackages.greeting = "hello from ${system}";
    };
  };
in
{
  outputs = builtins.attrNames flake;
  nixosModules = builtins.attrNames flake.nixosModules;
  moduleIsAFunction = builtins.isFunction flake.nixosModules.default
    || builtins.isAttrs flake.nixosModules.default;
  packages = lib.mapAttrs (_: ps: lib.mapAttrs (_: p: p.name) ps) flake.packages;
  greeting = flake.legacyPackages.aarch64-linux.greeting;
  answer = flake.lib.answer;
}
