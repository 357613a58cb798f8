baseNameOf "abc"
