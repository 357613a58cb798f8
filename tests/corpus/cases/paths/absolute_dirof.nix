dirOf /nonexistent/corpus/doc
