builtins.toJSON (builtins.fromJSON ''"\u007f"'')
