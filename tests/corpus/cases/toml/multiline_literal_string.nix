builtins.fromTOML "s = '''\nraw \\n text\n  indented\n'''\n"
