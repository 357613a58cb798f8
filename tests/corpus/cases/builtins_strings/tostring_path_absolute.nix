toString /abs/path
