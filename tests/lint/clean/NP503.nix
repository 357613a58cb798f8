# NP503 fixed: the secret the activation snippet installs has its file here.
{ config, lib, ... }:
{
  options.secrets = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule { options.file = lib.mkOption { type = lib.types.str; }; });
    default = { };
  };
  config = {
    networking.hostName = "web1";
    fileSystems."/" = { device = "/dev/vda1"; fsType = "ext4"; };
    secrets.db.file = "/etc/secrets/db";
    system.activationScripts.install-secrets = {
      text = "install -m 0400 ${config.secrets.db.file} /run/secrets/db";
      deps = [ "users" ];
    };
    system.activationScripts.motd.text = "echo hello > /etc/motd";
  };
}
