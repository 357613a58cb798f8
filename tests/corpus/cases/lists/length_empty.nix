builtins.length [ ]
