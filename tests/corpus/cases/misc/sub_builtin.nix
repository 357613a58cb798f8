builtins.sub 10 4
