builtins.stringLength (toString /ab/c)
