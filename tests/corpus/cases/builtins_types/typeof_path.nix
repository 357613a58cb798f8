builtins.typeOf /a
