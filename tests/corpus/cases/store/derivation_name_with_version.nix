let d = derivation { name = "hello-2.10"; system = "x86_64-linux"; builder = "/bin/sh"; }; in [ d.outPath (builtins.parseDrvName d.name).version ]
