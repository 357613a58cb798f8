let e = { x = 1; }; in builtins.attrNames { inherit (e) nope; }
