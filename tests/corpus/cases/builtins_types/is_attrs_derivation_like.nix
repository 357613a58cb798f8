builtins.isAttrs (derivation { name = "t"; system = "x86_64-linux"; builder = "/bin/sh"; })
