builtins.fromTOML ''
  [[item]]
  name = "first"
  [[item]]
  name = "second"
''
