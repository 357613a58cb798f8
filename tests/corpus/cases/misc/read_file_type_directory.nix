builtins.readFileType ../../data/dir
