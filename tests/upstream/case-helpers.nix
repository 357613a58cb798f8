# Helpers shared by the lib case files: whether evaluating succeeds, and a
# small derivation (its paths must agree between nix and nixplan).
let
  b = builtins;
in
{
  ok = x: (b.tryEval x).success;
  okDeep = x: (b.tryEval (b.deepSeq x x)).success;
  mkPkg = name: attrs: derivation ({
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo $name > $out" ];
  } // attrs);
}
