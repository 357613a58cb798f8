{
  networking.hostName = "a";
  imports = [ { networking.hostName = "b"; } ];
}
