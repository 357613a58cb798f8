# NP206 fixed: an ESP (512M vfat, type EF00, mounted at /boot) is added for systemd-boot.
{
  disko.devices.disk.main = { device = "/dev/disk/by-id/nvme-EXAMPLE"; content.type = "gpt";
    content.partitions.ESP = { type = "EF00"; size = "512M"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
    content.partitions.root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; }; };
  boot.loader.systemd-boot.enable = true;
}
