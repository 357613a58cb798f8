let v = "V"; in ''
    text
  ${v}
''
