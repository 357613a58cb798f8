dirOf "abc"
