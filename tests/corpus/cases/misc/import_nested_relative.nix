(import ../../data/sub/x.nix).y
