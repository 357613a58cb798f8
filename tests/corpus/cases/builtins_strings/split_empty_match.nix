builtins.split "b*" "abc"
