builtins.bitAnd 1.0 1
