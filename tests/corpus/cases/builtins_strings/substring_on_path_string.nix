builtins.substring 0 2 (toString /xyz)
