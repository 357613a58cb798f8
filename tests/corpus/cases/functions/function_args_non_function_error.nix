builtins.functionArgs 5
