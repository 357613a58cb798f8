builtins.hashString "sha256" 5
