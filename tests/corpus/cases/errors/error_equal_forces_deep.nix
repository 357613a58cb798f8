{ a = throw "forced by =="; } == { a = 1; }
