builtins.ceil 1.0e15
