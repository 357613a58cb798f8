{ lib, ... }:
{
  # Met first, forced at the level of /boot: its inner mkDefault still
  # loses to forced.nix's device below it, and its fsType stands alone.
  fileSystems."/boot" = lib.mkForce (lib.mkDefault {
    device = "/dev/forced-default";
    fsType = "vfat";
  });
}
