[ (with { a = 1; }; a) (with { a = 2; }; a) ]
