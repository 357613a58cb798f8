[ (builtins.bitAnd (-1) 255) (builtins.bitOr (-8) 3) (builtins.bitXor (-1) 0) ]
