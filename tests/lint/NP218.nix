{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    content.type = "gpt";
    content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      swap = {
        size = "4G";
        content = {
          type = "swap";
          postMountHook = "touch /tmp/swap-is-on";
        };
      };
      root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
  };
  boot.loader.systemd-boot.enable = true;
}
# expect NP218 at 11:11
