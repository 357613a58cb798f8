builtins.readFileType ../../data/readdir/link
