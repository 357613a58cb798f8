builtins.length (builtins.sort (a: b: a < b) (builtins.genList (i: builtins.bitXor (i * 7919) 65535) 100000))
