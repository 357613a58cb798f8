{
  disko.devices.disk.main = { device = "/dev/disk/by-id/nvme-EXAMPLE"; content.type = "gpt";
    content.partitions.data = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/srv"; }; }; };
}
# expect NP401 at 2:22
