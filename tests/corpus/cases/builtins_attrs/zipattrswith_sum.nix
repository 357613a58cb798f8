builtins.zipAttrsWith (n: vs: builtins.foldl' builtins.add 0 vs) [ { a = 1; } { a = 10; } { a = 100; b = 5; } ]
