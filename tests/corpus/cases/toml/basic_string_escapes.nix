builtins.fromTOML ''
  s = "tab\there \"quoted\" \u00e9"
''
