(builtins.tryEval { a = throw "lazy"; }).success
