builtins.foldl' (acc: x: throw "never") "init" [ ]
