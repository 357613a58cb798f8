builtins.toJSON 1.0e20
