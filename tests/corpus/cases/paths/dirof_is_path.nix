builtins.isPath (dirOf ./a/b)
