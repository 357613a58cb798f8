import ../../data/fn.nix { a = 1; }
