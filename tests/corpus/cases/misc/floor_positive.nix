builtins.floor 1.8
