{
  inputs.nixpkgs.url = "path:./nixpkgs";
  outputs = { self, nixpkgs }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        (import /nixplan/nixplan.nix).standIns.disko.nixosModules.disko
        ../../clean-base.nix
        { users.mutableUsers = false; }
      ];
    };
  };
}
