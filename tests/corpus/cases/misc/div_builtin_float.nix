builtins.div 7 2.0
