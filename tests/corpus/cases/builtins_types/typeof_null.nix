builtins.typeOf null
