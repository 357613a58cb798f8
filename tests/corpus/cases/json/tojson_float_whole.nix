builtins.toJSON 2.0
