builtins.filter (x: x) "abc"
