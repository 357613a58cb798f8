builtins.stringLength (builtins.concatStringsSep "," (builtins.genList (i: "item-${toString i}-x") 200000))
