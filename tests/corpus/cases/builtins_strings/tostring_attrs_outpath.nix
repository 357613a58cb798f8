toString { outPath = "/some/out"; }
