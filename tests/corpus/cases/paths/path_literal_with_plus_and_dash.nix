baseNameOf ./foo-bar_baz+1.nix
