builtins.length (builtins.genList (i: { a = i; b = i; c = i; d = i; e = i; }) 200000)
