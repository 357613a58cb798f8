builtins.trace "this goes to stderr" 42
