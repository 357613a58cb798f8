builtins.match "a" "abc"
