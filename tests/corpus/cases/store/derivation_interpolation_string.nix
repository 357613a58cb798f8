let d = derivation { name = "interp"; system = "x86_64-linux"; builder = "/bin/sh"; }; in "${d}/bin/tool"
