builtins.floor 7
