builtins.tryEval (builtins.addErrorContext "ctx" (throw "inner"))
