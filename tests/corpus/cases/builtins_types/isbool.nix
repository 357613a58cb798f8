[ (builtins.isBool true) (builtins.isBool null) (builtins.isBool (1 == 1)) ]
