# NP204 fixed: imageSize is 10G instead of 4G, enough for the 1G ESP and the 8G root.
{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    imageSize = "10G";
    content.type = "gpt";
    content.partitions = {
      ESP = { size = "1G"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      root = { size = "8G"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
  };
  boot.loader.systemd-boot.enable = true;
}
