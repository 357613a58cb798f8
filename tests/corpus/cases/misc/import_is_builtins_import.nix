builtins.isFunction import
