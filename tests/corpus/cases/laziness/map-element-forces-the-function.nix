# An element of `map` that is read forces the function, and its error is
# that element's.
builtins.elemAt (builtins.map (abort "the function") [ 1 ]) 0
