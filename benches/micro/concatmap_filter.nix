builtins.length (builtins.concatMap (x: builtins.filter (y: y > 2) [ x 1 2 3 4 ]) (builtins.genList (i: i) 300000))
