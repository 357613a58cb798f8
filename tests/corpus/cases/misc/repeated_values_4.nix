let s = { a = s; }; in [ s ]
