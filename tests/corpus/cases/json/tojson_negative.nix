builtins.toJSON (-5)
