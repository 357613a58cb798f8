let x = 3; in let inherit x; in x
