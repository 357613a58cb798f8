builtins.mapAttrs (n: v: v.x or 0) { a = { x = 1; }; b = { }; }
