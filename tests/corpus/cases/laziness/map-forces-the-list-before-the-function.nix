# `map` forces its list before its function: the list's error is the one
# said (a type error here, where the function aborts).
builtins.map (abort "the function") (1 + "a")
