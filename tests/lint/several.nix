# Several mistakes at once, for the report formats.
{
  disko.devices = {
    nodev."/" = { fsType = "tmpfs"; };
    disk.main = {
      device = "/dev/sda";
      content.type = "gpt";
      content.partitions = {
        ESP = { size = "100M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
        persist = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/persist"; }; };
      };
    };
  };
  boot.loader.systemd-boot.enable = true;
  environment.persistence."/persist".directories = [ "/var/lib/nixos" "/var/lib/nixos" ];
  system.activationScripts.cleanup = "rm -rf ~/.cache";
}
