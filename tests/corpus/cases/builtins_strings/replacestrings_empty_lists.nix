builtins.replaceStrings [ ] [ ] "unchanged"
