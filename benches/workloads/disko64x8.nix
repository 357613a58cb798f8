# A disko-shaped configuration: 64 disks of 8 partitions each.
let
  partition = disk: i: {
    name = "p${toString i}";
    value = {
      priority = 1000 + i;
      label = "disk-${disk}-p${toString i}";
      device = "/dev/disk/by-partlabel/disk-${disk}-p${toString i}";
      size = if i == 7 then "100%" else "${toString (i + 1)}G";
      type = if i == 0 then "EF00" else "8300";
      content = {
        type = "filesystem";
        format = if i == 0 then "vfat" else "ext4";
        mountpoint = "/srv/${disk}/p${toString i}";
        mountOptions = [ "noatime" ];
      };
    };
  };
  disk = n: let name = "d${toString n}"; in {
    inherit name;
    value = {
      type = "disk";
      device = "/dev/disk/by-id/nvme-${name}";
      content = { type = "gpt"; partitions = builtins.listToAttrs (builtins.genList (partition name) 8); };
    };
  };
in { disko.devices.disk = builtins.listToAttrs (builtins.genList disk 64); }
