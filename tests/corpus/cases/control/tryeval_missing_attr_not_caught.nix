builtins.tryEval { }.missing
