builtins.tryEval "ok"
