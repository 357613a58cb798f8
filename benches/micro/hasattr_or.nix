let s = { a = 1; b = 2; }; in builtins.foldl' (acc: i: acc + (s.c or i) + (if s ? a then 1 else 0)) 0 (builtins.genList (i: i) 400000)
