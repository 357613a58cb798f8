let s = { a = 1; b = 2; }; in builtins.foldl' (acc: i: acc + (with s; a + b)) 0 (builtins.genList (i: i) 400000)
