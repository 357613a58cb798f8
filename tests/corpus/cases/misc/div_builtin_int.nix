builtins.div 7 2
