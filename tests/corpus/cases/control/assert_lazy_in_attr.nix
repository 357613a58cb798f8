{ a = assert false; 1; b = 2; }.b
