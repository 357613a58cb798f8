builtins.fromTOML ''
  s = """
  line one
  line two"""
''
