assert true; assert 2 > 1; "both"
