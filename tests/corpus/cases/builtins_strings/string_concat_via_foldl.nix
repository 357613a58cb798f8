builtins.foldl' (a: b: a + b) "" [ "x" "y" "z" ]
