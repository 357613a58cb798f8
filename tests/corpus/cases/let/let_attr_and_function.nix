let f = { a, b }: a - b; args = { a = 10; b = 3; }; in f args
