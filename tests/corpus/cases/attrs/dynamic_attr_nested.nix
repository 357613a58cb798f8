let k = "inner"; in { outer.${k}.leaf = 1; }
