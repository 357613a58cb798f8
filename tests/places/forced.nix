{ lib, ... }:
{
  # Forced at the level of /boot as well: its device wins below it.
  fileSystems."/boot" = lib.mkForce { device = "/dev/forced"; };
}
