builtins.floor (-1.2)
