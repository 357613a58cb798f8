let s = { a = 1; } // { a = 2; }; in s.a + 1
