builtins.parseDrvName "nix-prefetch-git-1.0-rc1"
