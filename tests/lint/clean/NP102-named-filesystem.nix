# Filesystems named otherwise than their mount points: the persistence
# root /persist/system is on the one mounted at /persist, which is
# neededForBoot.
{ lib, ... }:
{
  fileSystems.root = { mountPoint = "/"; device = "none"; fsType = "tmpfs"; options = [ "mode=755" ]; };
  fileSystems.boot = { mountPoint = "/boot"; device = "/dev/vda1"; fsType = "vfat"; };
  fileSystems.nix = { mountPoint = "/nix"; device = "/dev/vda2"; fsType = "ext4"; };
  fileSystems.persist = { mountPoint = "/persist"; device = "/dev/vda3"; fsType = "ext4"; neededForBoot = true; };
  boot.loader.systemd-boot.enable = true;
  users.mutableUsers = false;
  environment.persistence."/persist/system" = {
    directories = [ "/var/lib/nixos" ];
    files = [ "/etc/machine-id" "/etc/ssh/ssh_host_ed25519_key" ];
  };
}
