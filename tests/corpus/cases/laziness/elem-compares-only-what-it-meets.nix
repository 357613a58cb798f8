# builtins.elem forces the list first, and the value it looks for only when
# there is an element to compare it with; the same value (one thunk) is
# equal to itself, even a function, as nix compares by address first.
let
  f = x: x;
  g = x: x;
  b = builtins;
in
[
  (b.elem (throw "never forced") [ ])
  (b.elem f [ f ])
  (b.elem f [ g ])
  (b.elem 2 [ 1 2 (throw "not reached") ])
  ((b.tryEval (b.elem (throw "forced") [ 1 ])).success)
  (f == f)
]
