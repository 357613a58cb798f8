{
  disko.devices.nodev."/" = { fsType = "tmpfs"; };
  disko.devices.disk.main = { device = "/dev/disk/by-id/nvme-EXAMPLE"; content.type = "gpt"; content.partitions = {
    ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
  }; };
  boot.loader.systemd-boot.enable = true;
}
# expect NP103 at 2:31
