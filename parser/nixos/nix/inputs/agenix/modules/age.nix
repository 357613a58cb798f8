# agenix's NixOS module (`"${agenix}/modules/age.nix"`): nixplan's stand-in.
(import ../../secrets.nix).age.nixos
