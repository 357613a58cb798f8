builtins.stringLength 5
