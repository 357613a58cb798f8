baseNameOf "/a/b/c"
