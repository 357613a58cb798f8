/a/b == "/a/b"
