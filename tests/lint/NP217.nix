{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    content.type = "gpt";
    content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
  };
  disko.devices.disk.data = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    content.type = "gpt";
    content.partitions.srv = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/srv"; }; };
  };
  boot.loader.systemd-boot.enable = true;
}
# expect NP217 at 3:5
