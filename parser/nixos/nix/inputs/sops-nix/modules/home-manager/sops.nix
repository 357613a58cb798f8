# sops-nix's Home Manager module (`"${sops-nix}/modules/home-manager/sops.nix"`):
# nixplan's stand-in.
(import ../../../secrets.nix).sops.home-manager
