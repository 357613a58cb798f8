builtins.intersectAttrs { a = 0; b = 0; } { b = "from-second"; c = 3; a = "x"; }
