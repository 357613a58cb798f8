builtins.compareVersions "1.0a" "1.0.1"
