# nix's partition and sort force each element (even when the predicate
# or comparator would not): as strict as nix, no less.
[ (builtins.tryEval (builtins.length (builtins.partition (x: true) [ (throw "p") ]).right))
  (builtins.tryEval (builtins.length (builtins.sort (a: b: false) [ (throw "s") ]))) ]
