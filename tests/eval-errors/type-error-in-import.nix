let
  lib = import ./lib-with-bug.nix;
in
lib.sizeInMiB "20G"
