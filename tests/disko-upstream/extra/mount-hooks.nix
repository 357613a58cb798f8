# nixplan's own example, in the shape of disko's examples: mount hooks at
# several levels (a partition table's, LUKS's, filesystems'), which disko
# runs around each mount script of the thing, the outer hooks around the
# inner ones, and once more around the thing's device activation (a
# table's even when empty). `hook-mark` is a stand-in command of the
# comparison (tests/disko_upstream.rs): each call is a fact, with the hook
# variables it was given.
{
  disko.devices = {
    disk = {
      main = {
        type = "disk";
        device = "/dev/vdb";
        content = {
          type = "gpt";
          preMountHook = "hook-mark table-pre $type";
          postMountHook = "hook-mark table-post $device";
          partitions = {
            ESP = {
              size = "64M";
              type = "EF00";
              content = {
                type = "filesystem";
                format = "vfat";
                mountpoint = "/boot";
                postMountHook = "hook-mark boot-post $device $mountpoint";
              };
            };
            root = {
              size = "100%";
              content = {
                type = "filesystem";
                format = "ext4";
                mountpoint = "/";
                preMountHook = "hook-mark root-pre $format";
                postMountHook = "hook-mark root-post";
              };
            };
          };
        };
      };
      data = {
        type = "disk";
        device = "/dev/vdc";
        content = {
          type = "gpt";
          partitions = {
            crypt = {
              size = "100%";
              content = {
                type = "luks";
                name = "data";
                passwordFile = "/tmp/secret.key";
                preMountHook = "hook-mark luks-pre $name";
                postMountHook = "hook-mark luks-post";
                content = {
                  type = "filesystem";
                  format = "ext4";
                  mountpoint = "/data";
                  postMountHook = "hook-mark data-post $device";
                };
              };
            };
          };
        };
      };
    };
  };
}
