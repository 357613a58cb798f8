{ outPath = "/x"; other = 1; }
