let who = "world"; in ''
  hello ${who}
  bye
''
