"path is ${builtins.toFile "ctx" "c"}"
