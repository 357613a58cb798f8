let f = x: x + 1; in builtins.length [ f 1 ]
