builtins.toJSON { b = [ 1 { c = "d"; } ]; a = { }; e = [ ]; }
