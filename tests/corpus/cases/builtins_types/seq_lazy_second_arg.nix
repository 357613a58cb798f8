builtins.length [ (builtins.seq 1 (throw "lazy")) ]
