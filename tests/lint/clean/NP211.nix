# NP211 fixed: the LUKS device crypt has settings.keyFile = "/tmp/secret.key".
{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    content.type = "gpt";
    content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      root = { size = "100%"; content = { type = "luks"; name = "crypt"; settings.keyFile = "/tmp/secret.key"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; }; };
    };
  };
  boot.loader.systemd-boot.enable = true;
}
