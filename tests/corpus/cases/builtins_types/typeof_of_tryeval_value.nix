builtins.typeOf (builtins.tryEval (throw "x")).value
