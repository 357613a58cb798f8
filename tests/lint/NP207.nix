{
  disko.devices.disk.main = { device = "/dev/disk/by-id/ata-EXAMPLE"; content.type = "gpt";
    content.partitions.root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; }; };
  boot.loader.grub = { enable = true; device = "/dev/disk/by-id/ata-EXAMPLE"; };
}
# expect NP207 at 4:24
