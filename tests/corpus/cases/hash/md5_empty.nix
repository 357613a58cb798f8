builtins.hashString "md5" ""
