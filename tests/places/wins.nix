{ ... }:
{
  networking.hostName = "wins";
  fileSystems."/".device = "/dev/wins";
}
