builtins.any (x: true) [ ]
