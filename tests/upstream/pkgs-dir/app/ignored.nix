# Never read: app/package.nix takes the whole directory.
throw "app/ignored.nix should not be called"
