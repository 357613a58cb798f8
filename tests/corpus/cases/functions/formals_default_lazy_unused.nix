({ a ? throw "never" }: "fine") { }
