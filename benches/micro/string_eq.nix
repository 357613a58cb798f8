builtins.length (builtins.filter (s: s == "item-5-x") (builtins.genList (i: "item-${toString (builtins.bitAnd i 7)}-x") 300000))
