"${/nonexistent/corpus/path}"
