builtins.toJSON 1.5
