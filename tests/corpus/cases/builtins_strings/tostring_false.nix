toString false
