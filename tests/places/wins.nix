{ ... }:
{
  networking.hostName = "wins";
  fileSystems."/".device = "/dev/wins";
  # Beside the (empty) list disko's stand-in defines, met first.
  boot.loader.grub.devices = [ "/dev/wins" ];
}
