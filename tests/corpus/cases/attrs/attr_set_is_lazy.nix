{ a = throw "never"; b = 2; }.b
