# `builtins.NAME` is read as the global `__NAME` where there is one: the same
# value, whatever binds around it, with `or`, deeper paths and names with no
# global.
let
  shadowed = let builtins = { map = 1; length = x: 2; }; in [ builtins.map (builtins.length [ ]) ];
  withScope = with { builtins = { length = x: 3; }; }; builtins.length [ 1 2 ];
in [
  (builtins.isAttrs { })
  (builtins.seq 1 2)
  (builtins.builtins.length [ 1 ])
  (builtins.currentSystem or "none" == builtins.currentSystem)
  (builtins.nixPath or [ ] == builtins.nixPath)
  (builtins.true)
  (builtins.null or 5)
  (builtins.noSuchBuiltin or "fallback")
  (builtins.builtins.noSuchBuiltin or "deeper")
  (builtins ? map)
  (builtins.map (x: x + 1) [ 1 2 ])
  (builtins.typeOf builtins.toString)
  (builtins.langVersion >= 5)
  (builtins.isFunction builtins.derivation)
  shadowed
  withScope
]
