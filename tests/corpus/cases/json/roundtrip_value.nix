let v = { s = "x\ny"; n = [ 1 2.5 (-3) ]; b = true; z = null; o = { k = "v"; }; }; in builtins.fromJSON (builtins.toJSON v) == v
