[ (builtins.typeOf (1.0/3)) (builtins.typeOf (1.0 / 3)) (baseNameOf a/b) ]
