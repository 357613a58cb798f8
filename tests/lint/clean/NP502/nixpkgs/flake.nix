# A nixpkgs with nixos/ (the test's own, tiny): its lib.nixosSystem is
# its own, so nixplan evaluates it as itself.
{ outputs = _: { lib = import /nixplan/lib.nix // { inherit ((import /nixplan/nixplan.nix).lib) nixosSystem; }; }; }
