builtins.attrNames (builtins.readDir ../../data/sub)
