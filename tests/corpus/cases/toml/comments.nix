builtins.fromTOML ''
  # whole-line comment
  a = 1 # trailing comment
  s = "# not a comment"
''
