[ (builtins.isPath /a) (builtins.isPath "/a") (builtins.isPath ./x) ]
