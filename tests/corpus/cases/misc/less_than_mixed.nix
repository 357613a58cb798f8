builtins.lessThan 2.5 2
