builtins.length (builtins.genList (i: "${toString i}/${toString i}") 200000) + builtins.stringLength (builtins.concatStringsSep "" (builtins.genList (i: "a${toString i}b") 100000))
