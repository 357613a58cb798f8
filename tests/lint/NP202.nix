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
  disko.devices.disk.main.content.partitions.extra = { size = "10G"; priority = 10000; content = { type = "filesystem"; format = "ext4"; mountpoint = "/srv"; }; };
}
# expect NP202 at 7:16
