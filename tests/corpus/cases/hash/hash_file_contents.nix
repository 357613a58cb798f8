builtins.hashString "sha1" (builtins.readFile ../../data/hello.txt)
