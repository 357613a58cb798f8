builtins.match "(foo|bar)-([0-9]+)" "bar-42"
