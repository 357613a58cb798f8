(derivation { name = "nobuilder"; system = "x86_64-linux"; }).drvPath
