builtins.addErrorContext "while testing" (1 + 2)
