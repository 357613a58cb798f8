toString 3.0
