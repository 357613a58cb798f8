rec { x = { y = 5; }; z = x.y + 1; }
