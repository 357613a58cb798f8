builtins.seq (throw "forced") "second"
