[ (toString 1 == builtins.toString 1) (baseNameOf "/a/b" == builtins.baseNameOf "/a/b") ]
