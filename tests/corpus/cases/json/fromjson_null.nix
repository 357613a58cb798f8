builtins.fromJSON "null"
