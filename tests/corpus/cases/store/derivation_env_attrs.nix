(derivation { name = "env"; system = "x86_64-linux"; builder = "/bin/sh"; FOO = "bar"; num = 42; flag = true; off = false; nothing = null; list = [ "a" 1 ]; }).drvPath
