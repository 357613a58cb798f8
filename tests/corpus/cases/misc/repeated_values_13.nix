let a = { x = 1; }; f = y: y; in [ a (f a) ]
