/some/abs/path
