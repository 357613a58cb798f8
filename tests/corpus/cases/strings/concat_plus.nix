"foo" + "bar" + "baz"
