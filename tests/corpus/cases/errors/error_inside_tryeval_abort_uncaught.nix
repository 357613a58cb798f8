(builtins.tryEval (abort "uncaught")).success
