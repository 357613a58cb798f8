builtins.groupBy (x: if x / 2 * 2 == x then "even" else "odd") [ 5 2 3 8 1 ]
