[ (builtins.isString "") (builtins.isString /a) (builtins.isString (toString /a)) ]
