builtins.fromJSON "42.0"
