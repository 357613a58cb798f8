builtins.tryEval null
