builtins.pathExists ../../data/does-not-exist
