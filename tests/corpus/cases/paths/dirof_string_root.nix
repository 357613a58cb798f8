dirOf "/"
