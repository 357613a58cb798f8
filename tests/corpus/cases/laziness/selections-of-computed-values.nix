# A selection of a value computed already: nixplan gives the attribute's
# own holder, but for a function or a float a new one, as nix makes a new
# value for every selection. Equality (which says two holders that are one
# are equal, also of a NaN) and printing («repeated») say what nix says.
let
  x = { l = [ 1 2 3 ]; s = { a = 1; }; g = { f = y: y; }; i = 1; t = "t"; n = 1.5; };
  y = { nan = (builtins.fromTOML "v = nan").v; };
in
builtins.seq x.l (builtins.seq x.s (builtins.seq x.g.f (builtins.seq y.nan [
  [ x.l x.l ]
  { a = x.s; b = x.s; }
  ([ x.l ] == [ x.l ])
  ([ x.s ] == [ x.s ])
  ([ x.g.f ] == [ x.g.f ])
  ([ x.g ] == [ x.g ])
  ([ x.i x.t x.n ] == [ x.i x.t x.n ])
  ([ y.nan ] == [ y.nan ])
  (let l = [ y.nan ]; in l == l)
])))
