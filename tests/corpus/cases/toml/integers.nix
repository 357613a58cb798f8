builtins.fromTOML ''
  dec = 42
  neg = -17
  plus = +5
  under = 1_000_000
  hex = 0xff
  oct = 0o17
  bin = 0b101
''
