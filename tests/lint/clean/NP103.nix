# NP103 fixed: a nix partition mounted at /nix is added next to the tmpfs root.
{
  disko.devices.nodev."/" = { fsType = "tmpfs"; };
  disko.devices.disk.main = { device = "/dev/disk/by-id/nvme-EXAMPLE"; content.type = "gpt"; content.partitions = {
    ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
    nix = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/nix"; }; };
  }; };
  boot.loader.systemd-boot.enable = true;
}
