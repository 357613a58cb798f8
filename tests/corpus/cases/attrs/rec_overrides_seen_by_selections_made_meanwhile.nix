# A selection made while `__overrides` is computed (here the element of
# `c`, made when `seq` forces the list) is evaluated later, in the set's
# slots as overridden: `a.x` is the override's, though `a` was already a
# set when the selection was made.
let
  s = rec {
    a = { x = 1; };
    c = [ a.x ];
    __overrides = builtins.seq a.x (builtins.seq c { a = { x = 2; }; });
  };
in
[ s.c s.a.x ]
