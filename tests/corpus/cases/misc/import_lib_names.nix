builtins.attrNames (import ../../data/lib.nix)
