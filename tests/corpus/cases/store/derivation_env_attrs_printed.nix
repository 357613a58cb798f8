derivation { name = "env2"; system = "x86_64-linux"; builder = "/bin/sh"; num = 42; }
