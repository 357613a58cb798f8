let bad = throw "unused"; in "fine"
