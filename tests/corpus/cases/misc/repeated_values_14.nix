let s = rec { a = { b = s; }; }; in s
