map (v: builtins.compareVersions v "2.5") [ "2.4" "2.5" "2.5.0" "2.5pre" "2.10" "3" "2.5a" ]
