baseNameOf "/"
