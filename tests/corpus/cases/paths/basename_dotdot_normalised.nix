baseNameOf ./a/../b
