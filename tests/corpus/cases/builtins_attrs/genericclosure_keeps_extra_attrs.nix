builtins.genericClosure { startSet = [ { key = 0; tag = "start"; } ]; operator = x: if x.key == 0 then [ { key = 1; tag = "next"; } ] else [ ]; }
