builtins.fromTOML ''
  a = 3.14
  b = -0.5
  c = 5e2
  d = 1.5e-3
  e = 1_000.5
''
