builtins.toJSON (builtins.fromJSON "0.30000000000000004")
