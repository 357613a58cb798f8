builtins.fromTOML ''
  a = { b = { c = [ 1, 2 ] }, d = "e" }
''
