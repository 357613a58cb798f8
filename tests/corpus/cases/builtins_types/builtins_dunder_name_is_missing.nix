# Every builtin is also a global `__NAME`, but the builtins set has no
# `__NAME` attribute: selecting one is an error, as in nix.
builtins.__typeOf 1
