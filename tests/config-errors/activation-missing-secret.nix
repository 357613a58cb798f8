# An activation snippet that reads a secret whose file is not here (a
# secrets repository that was not checked out): the error says which
# snippet nixplan was checking, and why it looked.
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
    system.activationScripts."install-secrets" = "install -m 0400 ${config.secrets.db.file} /run/secrets/db";
  };
}
