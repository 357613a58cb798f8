builtins.elem 1.0 [ 1 ]
