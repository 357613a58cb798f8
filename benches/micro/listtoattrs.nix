builtins.foldl' (acc: i: acc + (builtins.listToAttrs (builtins.genList (j: { name = "n${toString j}"; value = j; }) 20)).n5) 0 (builtins.genList (i: i) 20000)
