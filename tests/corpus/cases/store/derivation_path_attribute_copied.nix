(derivation { name = "pathattr"; system = "x86_64-linux"; builder = "/bin/sh"; src = ../../data/dir; }).drvPath
