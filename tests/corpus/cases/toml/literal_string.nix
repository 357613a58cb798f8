builtins.fromTOML ''
  s = 'C:\no\escapes'
''
