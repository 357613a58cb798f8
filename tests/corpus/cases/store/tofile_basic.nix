builtins.toFile "x" "content"
