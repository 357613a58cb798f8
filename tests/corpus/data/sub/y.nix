"y-value"
