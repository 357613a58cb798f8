builtins.compareVersions "1.0pre1" "1.0"
