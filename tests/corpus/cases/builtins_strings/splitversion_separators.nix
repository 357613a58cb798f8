builtins.splitVersion "1..2-_3"
