import ../../data/lib.nix == import ../../data/lib.nix
