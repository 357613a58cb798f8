builtins.concatStringsSep "" [ "a" "b" ]
