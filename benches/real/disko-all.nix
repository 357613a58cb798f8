# All of disko's examples in one evaluation: each example's create and
# mount scripts, as disko's library generates them (tests/disko-upstream/
# gen.nix), over nixpkgs' real lib.
{ upstream }:
let
  gen = example: import ../../tests/disko-upstream/gen.nix {
    inherit example;
    disko = upstream + "/disko";
    nixpkgsLib = upstream + "/nixpkgs-lib/lib";
  };
  dir = upstream + "/disko/example";
  names = builtins.filter (n: builtins.match ".*\\.nix" n != null) (builtins.attrNames (builtins.readDir dir));
in
map (n: builtins.stringLength (builtins.toJSON (gen (dir + "/${n}")))) names
