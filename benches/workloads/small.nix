{ networking.hostName = "web1"; fileSystems."/" = { device = "/dev/vda2"; fsType = "ext4"; }; }
