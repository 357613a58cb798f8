# A small configuration-shaped expression: `nixplan eval examples/hello.nix`.
let
  disks = [ "vda" "vdb" ];
  mkDisk = name: {
    device = "/dev/${name}";
    partitions = builtins.genList (i: { label = "disk-${name}-part${toString (i + 1)}"; }) 2;
  };
in
{
  hostName = "web1";
  disks = builtins.listToAttrs (map (name: { inherit name; value = mkDisk name; }) disks);
  persisted = map (d: "/persist${d}") [ "/var/lib/nixos" "/etc/ssh" ];
}
