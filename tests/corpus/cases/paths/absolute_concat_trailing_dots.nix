builtins.toString (/a/b + "/..")
