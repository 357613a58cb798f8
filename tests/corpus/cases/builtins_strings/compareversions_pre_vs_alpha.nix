builtins.compareVersions "1.0pre" "1.0alpha"
