builtins.genericClosure { startSet = [ { key = "a"; } { key = "a"; extra = 1; } ]; operator = item: [ { key = "b"; } { key = "a"; } ]; }
