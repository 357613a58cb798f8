# `map`, `mapAttrs` and `genList` do not force their function: it is forced
# by the first element forced, so a list or set of elements never read
# is made whatever the function is, and an empty one is made too.
let
  f = abort "the function is forced";
in
[
  (builtins.map f [ ])
  (builtins.length (builtins.map f [ 1 2 ]))
  (builtins.mapAttrs f { })
  (builtins.attrNames (builtins.mapAttrs f { a = 1; b = 2; }))
  (builtins.genList f 0)
  (builtins.length (builtins.genList f 3))
]
