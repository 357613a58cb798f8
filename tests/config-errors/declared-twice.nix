{ lib, ... }:
{
  # NixOS declares this option already, with a default of its own.
  options.networking.hostName = lib.mkOption {
    type = lib.types.str;
    default = "box";
  };
  config.fileSystems."/".device = "/dev/sda1";
}
