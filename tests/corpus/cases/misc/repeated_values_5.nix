let s = { a = s; b = s; }; in s
