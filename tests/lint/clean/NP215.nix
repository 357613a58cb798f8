# NP215 fixed: root's GUID is in lower case and data has a GUID of its own (...4b11).
{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    content.type = "gpt";
    content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      root = { size = "100%"; uuid = "6e1bc4f0-7d0a-4b1e-9a55-3c2f9e8d4b10"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
  };
  boot.loader.systemd-boot.enable = true;
  disko.devices.disk.data = { device = "/dev/disk/by-id/ata-EXAMPLE"; content.type = "gpt";
    content.partitions.data = { size = "100%"; uuid = "6e1bc4f0-7d0a-4b1e-9a55-3c2f9e8d4b11"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/srv"; }; }; };
}
