builtins.toJSON ""
