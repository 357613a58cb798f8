let
  disko = { devices = { disk = { main = { device = "/dev/vda"; }; }; }; };
in
disko.devices.disk.main.devcie
