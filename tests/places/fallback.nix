{ lib, ... }:
{
  # Met second, loses to wins.nix.
  networking.hostName = lib.mkDefault "fallback";
  fileSystems."/".device = lib.mkDefault "/dev/fallback";
}
