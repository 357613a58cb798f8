builtins.fromTOML ''
  a = [
    1,
    2,
  ]
''
