builtins.fromTOML ''
  "key with space" = 1
  'literal key' = 2
''
