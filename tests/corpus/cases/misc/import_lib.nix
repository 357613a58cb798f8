(import ../../data/lib.nix).double 21
