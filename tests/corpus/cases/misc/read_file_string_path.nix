builtins.readFile "/nonexistent/nixplan/corpus/file"
