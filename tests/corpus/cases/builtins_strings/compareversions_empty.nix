builtins.compareVersions "" "0"
