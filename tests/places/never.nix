{ lib, ... }:
{
  # Met first, never true.
  networking.hostName = lib.mkIf false "never";
  fileSystems."/".device = lib.mkIf false "/dev/never";
}
