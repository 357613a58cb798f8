builtins.trace "hello from trace" "result"
