builtins.mul 6 7
