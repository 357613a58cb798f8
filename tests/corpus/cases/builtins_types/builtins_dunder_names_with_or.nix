# `builtins.__NAME` is not an attribute of builtins (the global `__NAME` is):
# `or` applies, deeper paths too, and `?` says so.
[ (builtins.__map or "missing") (builtins.__map.x or "deeper") (builtins ? __map) (builtins ? map) (__typeOf 1) ]
