let f = x: undefinedInside; in 1
