builtins.deepSeq "s" "t"
