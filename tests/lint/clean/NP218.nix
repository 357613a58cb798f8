# NP218 fixed: what the swap's mount hook was for is a create hook, which
# disko and the plan run.
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
          postCreateHook = "touch /tmp/swap-was-made";
        };
      };
      root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
  };
  boot.loader.systemd-boot.enable = true;
}
