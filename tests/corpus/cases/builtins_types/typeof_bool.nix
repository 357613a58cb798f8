builtins.typeOf true
