{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
    company-modules.url = "git+ssh://git@git.example.com/infra/modules";
  };
  outputs = { self, nixpkgs, company-modules }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        company-modules.nixosModules.hardened
        { networking.hostName = "box"; }
      ];
    };
  };
}
