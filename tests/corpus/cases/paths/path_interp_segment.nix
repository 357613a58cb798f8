let n = "hello"; in builtins.readFile ../../data/${n}.txt
