# sops-nix's NixOS module (`"${sops-nix}/modules/sops"`): nixplan's stand-in.
(import ../../../secrets.nix).sops.nixos
