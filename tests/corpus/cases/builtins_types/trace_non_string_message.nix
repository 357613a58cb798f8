builtins.trace { a = 1; } "value"
