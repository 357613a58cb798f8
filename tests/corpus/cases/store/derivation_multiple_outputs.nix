let d = derivation { name = "multi"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; }; in [ d.drvPath d.out.outPath d.dev.outPath d.outPath ]
