builtins.toJSON (builtins.fromJSON ''"\u00e9"'')
