let lib = import <nixplan/lib.nix>; in {
  a = lib.unique [ 3 1 3 2 1 ];
  b = lib.flatten [ 1 [ 2 [ 3 ] ] ];
  c = lib.foldr (x: acc: [ x ] ++ acc) [ ] [ 1 2 3 ];
  d = lib.mapAttrsToList (n: v: "${n}=${toString v}") { a = 1; b = 2; };
  e = lib.filterAttrs (n: v: v > 1) { a = 1; b = 2; c = 3; };
  f = lib.recursiveUpdate { a.b = 1; a.c = 2; } { a.b = 3; d = 4; };
  g = lib.genAttrs [ "x" "y" ] (n: n + n);
  h = lib.attrByPath [ "a" "b" ] 0 { a.b = 7; };
  i = lib.setAttrByPath [ "a" "b" ] 1;
  j = lib.toposort (a: b: a < b) [ 3 1 2 ];
  k = lib.range 1 4;
  l = lib.sortOn (x: x.k) [ { k = 2; } { k = 1; } ];
  m = lib.last [ 1 2 3 ];
  n = lib.zipListsWith (a: b: a + b) [ 1 2 ] [ 10 20 ];
  o = lib.imap1 (i: v: i * v) [ 5 5 ];
  p = lib.concatMapAttrs (n: v: { "${n}-x" = v; }) { a = 1; };
  q = lib.pipe 2 [ (x: x + 1) (x: x * 10) ];
}
