{
  disko.devices.disk.main = { device = "/dev/disk/by-id/nvme-EXAMPLE"; content.type = "gpt";
    content.partitions.root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; }; };
  boot.loader.systemd-boot.enable = true;
}
# expect NP206 at 4:3
