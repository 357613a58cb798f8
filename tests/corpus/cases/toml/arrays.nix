builtins.fromTOML ''
  ints = [ 1, 2, 3 ]
  strs = [ "a", "b" ]
  nested = [ [ 1 ], [ "x" ] ]
  empty = [ ]
''
