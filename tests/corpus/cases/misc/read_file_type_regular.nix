builtins.readFileType ../../data/hello.txt
