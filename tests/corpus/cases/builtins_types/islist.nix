[ (builtins.isList [ ]) (builtins.isList "[]") ]
