import ../../data/missing.nix
