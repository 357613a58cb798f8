# impermanence's NixOS module imported by its file
# (`"${impermanence}/nixos.nix"`) from nixplan's stand-in for it: nixplan's
# own impermanence declarations, as the stand-in flake's `nixosModules`.
{ imports = [ ../../impermanence.nix ]; }
