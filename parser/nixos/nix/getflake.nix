# `builtins.getFlake REF` in nixplan: the host found the flake's source
# (`got`: where it is, its sourceInfo, which lock its inputs come from);
# this loads it as nixplan loads the target's flake.
got: (import ./nixplan.nix).loadGotFlake got
