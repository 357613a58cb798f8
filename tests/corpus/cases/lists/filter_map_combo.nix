map (x: x * 10) (builtins.filter (x: x != 2) [ 1 2 3 ])
