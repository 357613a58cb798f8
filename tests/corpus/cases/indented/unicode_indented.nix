''
  ✓ done
  日本
''
