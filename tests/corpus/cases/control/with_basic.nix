with { v = 3; }; v * v
