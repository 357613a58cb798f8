let a = [ 1 ]; in { p = a; q = a; r = [ a ]; }
