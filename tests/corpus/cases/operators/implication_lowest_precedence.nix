true || false -> false
