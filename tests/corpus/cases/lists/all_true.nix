builtins.all (x: x > 0) [ 1 2 3 ]
