builtins.head [ "a" "b" ]
