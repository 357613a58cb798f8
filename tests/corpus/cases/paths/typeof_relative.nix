builtins.typeOf ./foo.nix
