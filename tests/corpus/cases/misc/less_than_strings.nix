builtins.lessThan "b" "a"
