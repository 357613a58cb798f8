builtins.toJSON { "k\"ey\n" = 1; }
