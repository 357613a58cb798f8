builtins.sort builtins.lessThan [ ]
