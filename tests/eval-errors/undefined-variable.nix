{ lib, ... }:
{
  boot.loader.systemd-boot.enable = lib.mkDefault true;
  networking.hostName = hostname;
}
