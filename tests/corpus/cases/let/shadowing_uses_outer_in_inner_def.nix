let x = 1; in let y = x + 1; in let x = 100; in y
