builtins.substring 2 100 "abcdef"
