''
  outer ${''inner ${"deep"}''}
''
