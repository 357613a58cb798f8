{
  disko.devices = {
    nodev."/" = { fsType = "tmpfs"; mountOptions = [ "mode=755" ]; };
    disk.main = {
      device = "/dev/disk/by-id/nvme-EXAMPLE";
      content.type = "gpt";
      content.partitions = {
        ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
        nix = { size = "50G"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/nix"; }; };
        persist = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/persist"; }; };
      };
    };
  };
  fileSystems."/persist".neededForBoot = true;
  boot.loader.systemd-boot.enable = true;
  users.mutableUsers = false;
  environment.persistence."/persist" = { directories = [ "/var/lib/nixos" ];     files = [ "/etc/machine-id" "/etc/ssh/ssh_host_ed25519_key" ]; users.carol.directories = [ "Documents" ]; };
}
# expect NP109 at 17:151
