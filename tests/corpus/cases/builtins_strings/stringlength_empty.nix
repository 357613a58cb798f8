builtins.stringLength ""
