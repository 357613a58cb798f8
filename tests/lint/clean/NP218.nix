# NP218 fixed: what the mount hook did is a create hook, which the plan runs.
{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    content.type = "gpt";
    content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      root = {
        size = "100%";
        content = {
          type = "filesystem";
          format = "ext4";
          mountpoint = "/";
          postCreateHook = "tune2fs -L root \"$device\"";
        };
      };
    };
  };
  boot.loader.systemd-boot.enable = true;
}
