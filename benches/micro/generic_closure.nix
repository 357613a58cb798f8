builtins.length (builtins.genericClosure { startSet = [ { key = 0; } ]; operator = x: if x.key < 50000 then [ { key = x.key + 1; } { key = x.key + 2; } ] else [ ]; })
