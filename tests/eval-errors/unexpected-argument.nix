let
  mkDisk = { device, size ? "100%" }: { inherit device size; };
in
mkDisk { device = "/dev/vda"; sise = "20G"; }
