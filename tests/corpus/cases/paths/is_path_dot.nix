builtins.isPath ./.
