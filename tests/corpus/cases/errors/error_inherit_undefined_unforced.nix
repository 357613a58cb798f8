let a = 1; in builtins.attrNames { inherit b; }
