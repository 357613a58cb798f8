let l = builtins.genList (i: "s${toString i}") 50; in builtins.length (builtins.filter (i: builtins.elem "s49" l) (builtins.genList (i: i) 50000))
