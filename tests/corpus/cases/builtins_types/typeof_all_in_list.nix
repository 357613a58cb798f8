map builtins.typeOf [ 1 2.0 "s" true null [ ] { } (x: x) /p ]
