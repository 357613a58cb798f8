builtins.splitVersion "2.3pre1-alpha"
