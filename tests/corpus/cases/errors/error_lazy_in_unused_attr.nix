{ good = 1; bad = throw "x"; }.good
