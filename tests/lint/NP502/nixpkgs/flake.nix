# A nixpkgs that is only a lib (no nixos/): the test's stand-in for the
# nixpkgs.lib flake, with nixplan's own lib in place of nixpkgs' lib.
{ outputs = _: { lib = import /nixplan/lib.nix; }; }
