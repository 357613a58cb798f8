builtins.ceil 3
