builtins.foldl' (acc: i: acc + (let x = i; y = x + 1; z = y * 2; in z)) 0 (builtins.genList (i: i) 300000)
