# NP207 fixed: a 1M BIOS boot partition (type EF02) is added for grub.
{
  disko.devices.disk.main = { device = "/dev/disk/by-id/ata-EXAMPLE"; content.type = "gpt";
    content.partitions.boot = { size = "1M"; type = "EF02"; };
    content.partitions.root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; }; };
  boot.loader.grub = { enable = true; device = "/dev/disk/by-id/ata-EXAMPLE"; };
}
