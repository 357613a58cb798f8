builtins.typeOf 1
