builtins.readFile ../../data/readdir/link
