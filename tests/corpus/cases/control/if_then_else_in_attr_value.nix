{ v = if false then 1 else 0; }
