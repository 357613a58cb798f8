# Home Manager's NixOS module (`"${home-manager}/nixos"`, the stand-in
# flake's `nixosModules.home-manager`): only its `home-manager` option,
# whose settings are accepted as written.
{ lib, ... }: {
  options.home-manager = lib.mkOption {
    type = lib.types.attrsOf lib.types.anything;
    default = { };
    description = "Declared by the home-manager stand-in.";
  };
}
