({ a ? throw "not used" }: "ok") { a = 1; }
