let
  set = builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 100000);
in builtins.foldl' (acc: name: acc + set.${name}) 0 (builtins.attrNames set)
