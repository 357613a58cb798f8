builtins.readFile ../../data/nonl.txt
