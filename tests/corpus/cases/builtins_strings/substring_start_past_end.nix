builtins.substring 10 2 "abc"
