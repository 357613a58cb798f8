{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/nvme-EXAMPLE";
    content.type = "gpt";
    content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
  };
  boot.loader.systemd-boot.enable = true;
  system.activationScripts.dotfiles = {
    deps = [ "users" ];
    text = ''
      echo "seeding dotfiles"
      cp -r /etc/skel/. $HOME/
    '';
  };
}
# expect NP303 at 15:25
