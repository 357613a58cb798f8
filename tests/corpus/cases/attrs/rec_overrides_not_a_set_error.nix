rec { __overrides = 1; a = 2; }
