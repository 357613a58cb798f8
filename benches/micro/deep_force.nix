builtins.length (builtins.attrNames (builtins.deepSeq (builtins.genList (i: { a = [ i i ]; b = { c = i; }; }) 100000) {}))
