# `mapAttrs` forces its set before its function.
builtins.mapAttrs (abort "the function") (1 + "a")
