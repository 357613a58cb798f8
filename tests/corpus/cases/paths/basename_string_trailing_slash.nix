baseNameOf "/a/b/"
