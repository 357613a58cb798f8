let d = derivation { name = "ctxdep"; system = "x86_64-linux"; builder = "/bin/sh"; }; in builtins.toFile "script" (builtins.unsafeDiscardStringContext "run ${d.drvPath}")
