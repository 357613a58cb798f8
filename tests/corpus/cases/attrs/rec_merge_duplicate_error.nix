{ a.b = 1; a = rec { c = b; b = 2; }; }
