# GRUB's devices: disko's stand-in adds the disk with the EF02 partition,
# the user another; the user's line must not be said of disko's device
# (tests/config_snapshots.rs).
{ ... }:
{
  disko.devices.disk.main = {
    device = "/dev/vda";
    type = "disk";
    content = {
      type = "gpt";
      partitions = {
        boot = { size = "1M"; type = "EF02"; };
        root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
      };
    };
  };
  boot.loader.grub.devices = [ "/dev/vdb" ];
}
