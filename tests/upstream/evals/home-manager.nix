# Home Manager's library (lib.hm: its DAG type for activation, as real
# configurations use it) and impermanence's home-manager module over
# nixpkgs' real lib, evaluating a user's home.persistence. `pkgs` is a
# minimal stand-in: impermanence only asks it for callPackage.
{ upstream }:
let
  lib = import (upstream + "/home-manager/modules/lib/stdlib-extended.nix")
    (import (upstream + "/nixpkgs-lib/lib"));
  pkgs = {
    callPackage = f: args: import f ({ inherit lib; } // args);
  };
  eval = lib.evalModules {
    specialArgs = { inherit pkgs; };
    modules = [
      (upstream + "/impermanence/home-manager.nix")
      ({ lib, ... }: {
        # What Home Manager's own modules would declare.
        options.home = {
          username = lib.mkOption { type = lib.types.str; };
          homeDirectory = lib.mkOption { type = lib.types.path; };
          activation = lib.mkOption {
            type = lib.hm.types.dagOf lib.types.str;
            default = { };
          };
        };
        options.assertions = lib.mkOption {
          type = lib.types.listOf lib.types.unspecified;
          default = [ ];
        };
        options.warnings = lib.mkOption {
          type = lib.types.listOf lib.types.str;
          default = [ ];
        };
      })
      ({ lib, ... }: {
        home.username = "alice";
        home.homeDirectory = "/home/alice";
        home._nixosModuleImported = true;
        home.persistence."/persist/home/alice" = {
          directories = [
            "Documents"
            { directory = ".ssh"; mode = "0700"; }
            ".local/share/direnv"
          ];
          files = [ ".zsh_history" ];
        };
        home.activation.linkKeys = lib.hm.dag.entryAfter [ "writeBoundary" ] "ln -sf /persist/keys ~/.keys";
        home.activation.early = lib.hm.dag.entryBefore [ "writeBoundary" ] "echo early";
      })
    ];
  };
  cfg = eval.config;
in
{
  persistence = lib.mapAttrs (_: p: {
    inherit (p) persistentStoragePath;
    directories = map (d: { inherit (d) directory dirPath mode user group; }) p.directories;
    files = map (f: { inherit (f) file filePath; }) p.files;
  }) cfg.home.persistence;
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) cfg.assertions);
  activationOrder = map (e: e.name) (lib.hm.dag.topoSort cfg.home.activation).result;
}
