let d = derivation { name = "keep"; system = "x86_64-linux"; builder = "/bin/sh"; }; in builtins.unsafeDiscardStringContext d.outPath == d.outPath
