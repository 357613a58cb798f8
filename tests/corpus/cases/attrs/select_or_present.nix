{ b = 7; }.b or 42
