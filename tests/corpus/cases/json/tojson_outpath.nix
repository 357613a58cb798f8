builtins.toJSON { outPath = "/out"; ignored = 1; }
