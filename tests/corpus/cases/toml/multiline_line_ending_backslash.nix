builtins.fromTOML ''
  s = """\
      joined \
      words"""
''
