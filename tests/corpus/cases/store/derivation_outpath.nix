(derivation { name = "simple"; system = "x86_64-linux"; builder = "/bin/sh"; }).outPath
