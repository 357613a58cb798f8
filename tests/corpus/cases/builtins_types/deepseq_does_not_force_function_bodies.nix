builtins.deepSeq (x: throw "body") "ok"
