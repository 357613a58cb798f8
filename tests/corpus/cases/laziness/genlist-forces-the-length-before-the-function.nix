# `genList` forces its length before its function.
builtins.genList (abort "the function") (1 + "a")
