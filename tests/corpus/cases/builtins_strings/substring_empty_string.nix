builtins.substring 0 5 ""
