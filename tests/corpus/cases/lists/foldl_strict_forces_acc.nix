builtins.foldl' (acc: x: x) 0 [ (throw "forced") 1 ]
