{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    content.type = "gpt";
    content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      root = { size = "100%"; uuid = "6E1BC4F0-7D0A-4B1E-9A55-3C2F9E8D4B10"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
  };
  boot.loader.systemd-boot.enable = true;
  disko.devices.disk.data = { device = "/dev/disk/by-id/ata-EXAMPLE"; content.type = "gpt";
    content.partitions.data = { size = "100%"; uuid = "6e1bc4f0-7d0a-4b1e-9a55-3c2f9e8d4b10"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/srv"; }; }; };
}
# expect NP215 at 7:31
# expect NP215 at 7:31
