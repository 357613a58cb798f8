(derivation { name = "da"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "doc" ]; }).drvAttrs
