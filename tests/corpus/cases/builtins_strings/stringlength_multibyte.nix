builtins.stringLength "✓"
