builtins.stringLength "hello"
