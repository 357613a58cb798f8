builtins.seq (builtins.seq 1 2) 3
