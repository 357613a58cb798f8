''$${x} and $$ and $''
