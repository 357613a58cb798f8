builtins.hashString "sha1" "abc"
