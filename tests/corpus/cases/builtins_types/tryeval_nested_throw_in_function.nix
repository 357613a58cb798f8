builtins.tryEval ((x: if x then throw "t" else 1) true)
