true && "x"
