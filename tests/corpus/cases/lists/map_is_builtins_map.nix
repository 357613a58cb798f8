map == builtins.map
