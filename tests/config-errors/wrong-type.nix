{ lib, ... }:
{
  networking.hostName = "web1";
  fileSystems."/" = { device = "/dev/vda1"; fsType = "ext4"; };
  fileSystems."/boot".neededForBoot = "yes";
  users.users.alice.uid = 1000;
}
