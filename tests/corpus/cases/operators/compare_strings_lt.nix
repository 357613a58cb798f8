"apple" < "banana"
