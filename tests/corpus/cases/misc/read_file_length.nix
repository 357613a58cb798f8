builtins.stringLength (builtins.readFile ../../data/unicode.txt)
