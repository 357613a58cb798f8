/a/b == /a/b
