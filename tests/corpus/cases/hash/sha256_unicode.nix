builtins.hashString "sha256" "✓"
