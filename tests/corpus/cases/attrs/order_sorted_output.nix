{ zebra = 1; apple = 2; Mango = 3; _under = 4; "0digit" = 5; }
