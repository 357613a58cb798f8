builtins.toJSON (1.0 / 3)
