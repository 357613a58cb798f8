# Present so that this tree is a nixpkgs with NixOS; never evaluated.
{ }
