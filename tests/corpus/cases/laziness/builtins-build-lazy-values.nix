# Builtins that build lists and sets leave the elements alone: only the
# structure is looked at here, every element throws if forced.
let
  t = throw "forced";
  b = builtins;
in
[
  (b.length (b.map (x: t) [ 1 2 ]))
  (b.attrNames (b.mapAttrs (n: v: t) { a = 1; b = 2; }))
  (b.attrNames (b.listToAttrs [ { name = "a"; value = t; } ]))
  (b.attrNames (b.zipAttrsWith (n: vs: t) [ { a = t; } { b = t; } ]))
  (b.length (b.genList (i: t) 3))
  (b.length (b.concatMap (x: [ t t ]) [ 1 2 ]))
  (b.attrNames (b.groupBy (x: "k") [ t t ]))
  (b.attrNames ({ a = t; } // { b = t; }))
  (b.attrNames (b.intersectAttrs { a = 1; } { a = t; b = t; }))
  (b.attrNames (b.removeAttrs { a = t; b = t; } [ "a" ]))
  (b.length (b.catAttrs "a" [ { a = t; } { b = 1; } ]))
  (b.length (b.filter (x: true) [ t t ]))
  (b.functionArgs ({ a ? t, b }: a))
  (b.seq { a = t; } "seq forces only the outside")
  (b.length (b.attrValues { a = t; }))
  ({ a = t; }.b or "or is lazy in the set")
  (b.length (b.foldl' (acc: x: acc ++ [ t ]) [ ] [ 1 2 ]))
  (b.head (b.tail [ t "tail" ]))
  (b.elemAt [ t "elemAt" ] 1)
  (b.getAttr "b" { a = t; b = "getAttr"; })
  (if true || t then "or short-circuits" else t)
  (if false && t then t else "and short-circuits")
  (false -> t)
]
