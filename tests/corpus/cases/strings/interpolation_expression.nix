"1 + 2 = ${toString (1 + 2)}"
