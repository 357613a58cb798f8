builtins.hashString "sha3" "abc"
