let classify = n: if n > 100 then "big" else if n > 10 then "medium" else if n > 0 then "small" else "none"; in map classify [ 500 50 5 0 ]
