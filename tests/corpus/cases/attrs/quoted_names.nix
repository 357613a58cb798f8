{ "with space" = 1; "a.b" = 2; "" = 3; "x\"y" = 4; }
