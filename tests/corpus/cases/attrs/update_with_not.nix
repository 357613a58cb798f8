{ a = !false; } // { b = !true; }
