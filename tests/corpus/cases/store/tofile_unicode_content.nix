builtins.toFile "u.txt" "✓ unicode\n"
