builtins.match "ab.*" "abcdef"
