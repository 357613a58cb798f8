builtins.toJSON 1.5e-7
