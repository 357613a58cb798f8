{ lib, ... }:
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
  imports = [ {
    disko.devices.disk.main.content.partitions.ESP.size = lib.mkForce "100M";
  } ];
}
# expect NP208 at 13:5
