builtins.toJSON { z = 1; a = 2; "A" = 3; }
