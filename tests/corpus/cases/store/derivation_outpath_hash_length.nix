let p = (derivation { name = "len"; system = "x86_64-linux"; builder = "/bin/sh"; }).outPath; in builtins.stringLength p
