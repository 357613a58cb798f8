builtins.substring 0 (builtins.stringLength builtins.storeDir) (builtins.toFile "p" "q") == builtins.storeDir
