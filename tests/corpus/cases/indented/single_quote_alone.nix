''it's fine''
