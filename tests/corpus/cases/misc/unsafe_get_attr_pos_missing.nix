builtins.unsafeGetAttrPos "zzz" { a = 1; }
