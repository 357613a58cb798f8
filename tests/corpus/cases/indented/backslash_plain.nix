''
  C:\path\n stays
''
