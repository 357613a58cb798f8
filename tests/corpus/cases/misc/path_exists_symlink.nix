builtins.pathExists ../../data/readdir/link
