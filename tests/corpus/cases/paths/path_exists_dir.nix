builtins.pathExists ../../data/dir
