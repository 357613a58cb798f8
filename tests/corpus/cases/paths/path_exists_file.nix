builtins.pathExists ../../data/hello.txt
