builtins.warn "deprecated thing" 42
