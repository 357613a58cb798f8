let v = "VAL"; in ''
    ${v} start
  ${v} less
''
