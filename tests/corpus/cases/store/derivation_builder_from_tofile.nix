(derivation { name = "scripted"; system = "x86_64-linux"; builder = builtins.toFile "builder.sh" "echo hi > $out"; }).drvPath
