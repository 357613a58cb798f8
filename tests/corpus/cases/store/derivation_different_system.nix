(derivation { name = "cross"; system = "aarch64-linux"; builder = "/bin/sh"; }).drvPath
