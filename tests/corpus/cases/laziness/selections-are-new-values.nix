# Each evaluation of a selection is a new value, also when the set and the
# attribute are computed already: functions in two selections are not the
# same value (lists and sets compare their elements by identity first),
# and a short list selected twice is printed twice.
let
  x = { f = y: y; l = [ 1 ]; s = { a = 1; }; };
in
builtins.seq x.f (builtins.seq x.l [
  ([ x.f ] == [ x.f ])
  ({ b = x.f; } == { b = x.f; })
  (builtins.elem x.f [ x.f ])
  ([ builtins.map ] == [ builtins.map ])
  [ x.l x.l ]
  ([ x.s ] == [ x.s ])
])
