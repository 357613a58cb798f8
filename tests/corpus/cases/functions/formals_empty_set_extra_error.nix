({ }: "empty") { x = 1; }
