builtins.replaceStrings [ "b" "" ] [ "B" "_" ] "abc"
