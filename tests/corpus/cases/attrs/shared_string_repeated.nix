let s = "same"; in { a = s; b = s; }
