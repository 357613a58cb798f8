# disko's NixOS module imported by its file (`"${disko}/module.nix"`) from
# nixplan's stand-in for disko: nixplan's own disko declarations, the same
# module (by its file) as the stand-in flake's `nixosModules.disko`.
{ imports = [ ../../disko.nix ]; }
