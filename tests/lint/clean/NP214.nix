# NP214 fixed: the subvolume for /home2 is "/home2" instead of "home", a second declaration of /home.
{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    content.type = "gpt";
    content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
  };
  boot.loader.systemd-boot.enable = true;
  disko.devices.disk.data = { device = "/dev/disk/by-id/ata-EXAMPLE"; content.type = "gpt";
    content.partitions.data = { size = "100%"; content = { type = "btrfs"; subvolumes = { "/home".mountpoint = "/home"; "/home2".mountpoint = "/home2"; }; }; }; };
}
