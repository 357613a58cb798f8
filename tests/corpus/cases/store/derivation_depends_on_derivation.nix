let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
  top = derivation { name = "top"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "cp ${dep} $out" ]; };
in [ dep.outPath top.drvPath top.outPath ]
