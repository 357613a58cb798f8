import ../../data/fn.nix { a = 1; b = 2; }
