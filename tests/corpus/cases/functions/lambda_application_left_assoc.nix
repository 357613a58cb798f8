let k = a: b: a; in k 1 2
