let a = { x = 1; }; b = a; in [ a b ]
