# Attributes made by mapAttrs have no position of their own.
[ (builtins.unsafeGetAttrPos "a" (builtins.mapAttrs (k: v: v) { a = 1; }))
  ((builtins.unsafeGetAttrPos "a" { a = 1; }).line) ]
