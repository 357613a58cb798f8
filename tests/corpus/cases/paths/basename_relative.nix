baseNameOf ./foo.nix
