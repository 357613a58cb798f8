builtins.path { path = ../../data; filter = p: t: 1; }
