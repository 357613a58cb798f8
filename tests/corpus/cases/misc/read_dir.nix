builtins.readDir ../../data/readdir
