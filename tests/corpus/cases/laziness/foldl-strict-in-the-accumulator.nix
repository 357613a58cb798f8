# foldl' forces each accumulator (an error in one shows), not the elements.
builtins.foldl' (acc: x: if x == 2 then throw "acc" else acc + 1) 0 [ 1 2 3 ]
