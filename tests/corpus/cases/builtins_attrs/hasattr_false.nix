builtins.hasAttr "b" { a = 1; }
