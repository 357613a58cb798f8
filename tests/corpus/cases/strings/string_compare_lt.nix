"abc" < "abd"
