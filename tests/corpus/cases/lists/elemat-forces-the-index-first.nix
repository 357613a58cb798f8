# `elemAt` forces its index before its list (nix 2.8): the index's error
# is the one said (an abort here, where the list is a type error).
builtins.elemAt (1 + "a") (abort "the index")
