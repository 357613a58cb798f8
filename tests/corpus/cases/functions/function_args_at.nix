builtins.functionArgs (args@{ y ? 2, z }: y)
