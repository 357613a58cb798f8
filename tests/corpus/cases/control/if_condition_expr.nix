if 1 < 2 && "a" == "a" then 1 else 2
