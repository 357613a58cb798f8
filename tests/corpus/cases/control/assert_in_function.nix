let checked = x: assert builtins.isInt x; x * 2; in checked 4
