builtins.foldl' (acc: s: acc + s.c) 0 (builtins.genList (i: { a = i; b = i; c = i; d = i; e = i; }) 200000)
