# Lists of different lengths are unequal without looking at the elements.
[ ([ (throw "a") ] == [ ]) ([ (throw "a") ] != [ (throw "b") 1 ]) ]
