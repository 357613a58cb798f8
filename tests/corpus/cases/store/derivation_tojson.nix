let d = derivation { name = "js"; system = "x86_64-linux"; builder = "/bin/sh"; }; in builtins.toJSON d
