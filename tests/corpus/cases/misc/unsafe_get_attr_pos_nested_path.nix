(builtins.unsafeGetAttrPos "b" { x = 0;
  b.c = 1; }).line
