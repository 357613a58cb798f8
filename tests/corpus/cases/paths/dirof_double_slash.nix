dirOf "//a//b"
