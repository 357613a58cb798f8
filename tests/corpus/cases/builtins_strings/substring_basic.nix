builtins.substring 1 3 "abcdef"
