builtins.toFile "my-file_1.0.txt" "data"
