builtins.compareVersions "1.0alpha" "1.0beta"
