builtins.length (builtins.filter (x: builtins.isAttrs x || builtins.isList x || builtins.isString x) (builtins.genList (i: if builtins.bitAnd i 1 == 0 then {} else "s") 400000))
