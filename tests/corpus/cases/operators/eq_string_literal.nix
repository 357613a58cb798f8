# `x == "text"` compared with the literal where it is written: a string
# equals it by its characters (context ignored), any other value does not;
# `!=` is the opposite, and the literal may be on either side.
let
  withCtx = "${builtins.toFile "eq-literal" "x"}";
  set = { _type = "merge"; };
  toStr = { __toString = _: "merge"; };
  drv = { type = "derivation"; outPath = "merge"; };
in
[
  (set._type or "" == "merge")
  ({ }._type or "" == "merge")
  ({ }._type or "" != "merge")
  ("merge" == set._type)
  (builtins.substring 0 11 withCtx == "/nix/store/")
  (withCtx == builtins.unsafeDiscardStringContext withCtx)
  (1 == "1")
  (null == "")
  (null != "")
  ([ ] == "")
  (toStr == "merge")
  (drv == "merge")
  (toStr != "merge")
  ("" == "")
  ("a\nb" == ''
    a
    b'')
  (builtins.toString 1 == "1")
  ("${"a"}b" == "ab")
]
