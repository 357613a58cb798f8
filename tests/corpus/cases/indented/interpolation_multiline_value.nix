let v = "x\n  y"; in ''
    a ${v}
    b
''
