let x = null; in assert x != null -> builtins.isInt x; "ok"
