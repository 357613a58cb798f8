builtins.fromJSON "25E-1"
