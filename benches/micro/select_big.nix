let base = builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 1000); in builtins.foldl' (acc: i: acc + base.k500 + base.k3) 0 (builtins.genList (i: i) 300000)
