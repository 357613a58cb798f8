# Where a value is said to come from when several modules define it: the
# definition that stands, as nixpkgs' module system decides it, not the
# first one met (tests/config_snapshots.rs).
{ lib, ... }:
{
  imports = [ ./never.nix ./fallback.nix ./wins.nix ./forced-default.nix ./forced.nix ];
  fileSystems."/".fsType = "ext4";
}
