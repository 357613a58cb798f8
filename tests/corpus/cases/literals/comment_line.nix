# leading comment
1 + # inline comment
2
