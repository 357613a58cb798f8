builtins.fromJSON "42"
