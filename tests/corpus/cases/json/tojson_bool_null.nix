builtins.toJSON [ true false null ]
