builtins.fromTOML ''
  yes = true
  no = false
''
