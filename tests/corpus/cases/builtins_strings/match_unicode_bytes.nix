builtins.match "(.*)✓(.*)" "a✓b"
