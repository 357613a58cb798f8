{ lib, ... }:
{
  # Met first, never true.
  networking.hostName = lib.mkIf false "never";
  fileSystems."/".device = lib.mkIf false "/dev/never";
  # The only definitions of these are never true: only the default stands,
  # which has no place.
  users.mutableUsers = lib.mkIf false false;
  fileSystems."/".options = lib.mkIf false [ "ro" ];
}
