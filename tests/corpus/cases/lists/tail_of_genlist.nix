builtins.tail (builtins.genList (x: x + 1) 4)
