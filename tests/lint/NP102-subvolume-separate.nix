# Persisted paths on a btrfs subvolume mounted below the persistence root
# (separate). A subvolume nested in the subvolume mounted at /persist shows
# through that mount before its own mount is made; a separate one does not.
{ lib, ... }:
{
  disko.devices = {
    nodev."/" = { fsType = "tmpfs"; mountOptions = [ "mode=755" ]; };
    disk.main = {
      device = "/dev/disk/by-id/nvme-EXAMPLE";
      content.type = "gpt";
      content.partitions = {
        ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
        pool = {
          size = "100%";
          content = {
            type = "btrfs";
            subvolumes = {
              "@nix" = { mountpoint = "/nix"; };
              "@persist" = { mountpoint = "/persist"; };
              "@srv" = { mountpoint = "/persist/srv"; mountOptions = [ "compress=zstd" ]; };
            };
          };
        };
      };
    };
  };
  fileSystems."/persist".neededForBoot = true;
  boot.loader.systemd-boot.enable = true;
  users.mutableUsers = false;
  environment.persistence."/persist" = {
    directories = [ "/var/lib/nixos" "/srv/db" ];
    files = [ "/etc/machine-id" "/etc/ssh/ssh_host_ed25519_key" ];
  };
}
# expect NP102 at 31:38
