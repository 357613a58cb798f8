# NP503: an activation snippet that installs a secret whose file is not here (the
# secrets repository was not checked out where the plan is made, as in a
# code review's CI): its text cannot be evaluated, so the plan leaves it
# out and says it is incomplete; everything else is planned.
{ config, lib, ... }:
{
  options.secrets = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule { options.file = lib.mkOption { type = lib.types.str; }; });
    default = { };
  };
  config = {
    networking.hostName = "web1";
    fileSystems."/" = { device = "/dev/vda1"; fsType = "ext4"; };
    secrets.db = { };
    system.activationScripts.install-secrets = {
      text = "install -m 0400 ${config.secrets.db.file} /run/secrets/db";
      deps = [ "users" ];
    };
    system.activationScripts.motd.text = "echo hello > /etc/motd";
  };
}
# expect NP503 at 15:30
