let f = { __functor = 5; }; in f 1
