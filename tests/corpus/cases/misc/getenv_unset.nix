builtins.getEnv "NIXPLAN_SURELY_UNSET"
