{
  # Locked, but not in the store nor the cache, and the tests run offline:
  # both are evaluated as nixplan's stand-ins.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  inputs.disko.url = "github:nix-community/disko";
  outputs = { self, nixpkgs, disko }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ disko.nixosModules.disko ../clean-base.nix { users.mutableUsers = false; } ];
    };
  };
}
# expect NP501 at 4:10
# expect NP501 at 5:10
