builtins.fromJSON "-42"
