(builtins.tryEval { x = 1; }).value.x
