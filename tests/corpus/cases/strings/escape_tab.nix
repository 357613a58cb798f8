"a\tb"
