rec { a = a + 1; }
