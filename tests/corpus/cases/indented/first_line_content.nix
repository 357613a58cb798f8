''first
  second
  third''
