builtins.parseDrvName "foo-bar-baz"
