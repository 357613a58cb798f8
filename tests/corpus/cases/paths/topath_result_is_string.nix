builtins.isString (builtins.toPath "/a")
