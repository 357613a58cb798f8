builtins.attrNames { b = 1; B = 2; "_" = 3; "é" = 4; "1" = 5; }
