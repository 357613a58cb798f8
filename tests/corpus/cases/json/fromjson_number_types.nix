map builtins.typeOf (builtins.fromJSON "[1, 1.0, 1e0, -0, 0.5]")
