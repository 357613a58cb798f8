(./a + ./b) == ./a + (toString ./b)
