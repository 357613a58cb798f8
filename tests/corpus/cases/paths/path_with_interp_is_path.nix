let n = "x"; in builtins.isPath ./a/${n}
