builtins.readDir ../../data/nope
