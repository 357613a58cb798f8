let k = "b"; in { a = 1; b = 2; }.${k}
