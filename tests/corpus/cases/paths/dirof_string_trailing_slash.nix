dirOf "/a/b/"
