''
  price: ''${amount}
''
