# agenix's Home Manager module (`"${agenix}/modules/age-home.nix"`):
# nixplan's stand-in.
(import ../../secrets.nix).age.home-manager
