builtins.deepSeq [ 1 [ 2 (throw "nested") ] ] 0
