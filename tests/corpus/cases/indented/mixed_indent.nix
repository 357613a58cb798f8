''
    deep
  shallow
      deeper
''
