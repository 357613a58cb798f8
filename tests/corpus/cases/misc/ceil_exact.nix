builtins.ceil 2.0
