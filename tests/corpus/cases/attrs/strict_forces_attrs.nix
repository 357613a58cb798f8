{ a = throw "forced"; b = 2; }
