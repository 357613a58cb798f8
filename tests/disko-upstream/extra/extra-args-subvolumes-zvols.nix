# nixplan's own example, in the shape of disko's examples: the options
# none of disko's 38 examples sets, so that disko's own scripts for them
# are compared with nixplan's plans too (tests/disko_upstream.rs).
# - a btrfs subvolume's `extraArgs` (disko leaves them unquoted: split by
#   the shell) and a nested subvolume whose parent directory is not a
#   subvolume (disko makes the directory first);
# - a ZFS volume's `extraArgs` (each one word: disko escapes them).
{
  disko.devices = {
    disk = {
      main = {
        type = "disk";
        device = "/dev/vdb";
        content = {
          type = "gpt";
          partitions = {
            root = {
              size = "100%";
              content = {
                type = "btrfs";
                extraArgs = [ "-f" ];
                subvolumes = {
                  "/root" = {
                    mountpoint = "/";
                  };
                  "/srv/data" = {
                    extraArgs = [ "-i 0/5" ];
                    mountpoint = "/srv/data";
                    mountOptions = [ "noatime" ];
                  };
                };
              };
            };
          };
        };
      };
      pool = {
        type = "disk";
        device = "/dev/vdc";
        content = {
          type = "gpt";
          partitions = {
            zfs = {
              size = "100%";
              content = {
                type = "zfs";
                pool = "tank";
              };
            };
          };
        };
      };
    };
    zpool = {
      tank = {
        type = "zpool";
        datasets = {
          vm = {
            type = "zfs_volume";
            size = "64M";
            extraArgs = [
              "-s"
              "-b"
              "16k"
            ];
            content = {
              type = "filesystem";
              format = "ext4";
              mountpoint = "/vm";
            };
          };
        };
      };
    };
  };
}
