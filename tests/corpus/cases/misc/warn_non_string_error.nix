builtins.warn 1 2
