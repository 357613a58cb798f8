# An activation snippet that reads a secret whose file is not here, written
# as a string: NixOS (attrsOf) and nixplan force it with all snippets, so
# the error says why nixplan looked. (Written as a set, the snippet alone
# cannot be evaluated and the plan is incomplete: tests/incomplete.)
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
