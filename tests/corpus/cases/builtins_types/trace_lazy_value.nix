builtins.length [ (builtins.trace "never printed" 1) ]
