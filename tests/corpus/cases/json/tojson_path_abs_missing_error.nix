builtins.toJSON /nonexistent/corpus/file
