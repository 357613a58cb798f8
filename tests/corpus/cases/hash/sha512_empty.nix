builtins.hashString "sha512" ""
