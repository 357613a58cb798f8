dirOf "a/b"
