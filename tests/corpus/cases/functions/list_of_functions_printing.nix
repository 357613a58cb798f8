[ (x: x) builtins.sub (builtins.sub 1) ]
