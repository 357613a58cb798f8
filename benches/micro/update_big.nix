let base = builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 1000); in builtins.foldl' (acc: i: acc + (base // { x = i; }).x) 0 (builtins.genList (i: i) 10000)
