let a = "x"; b = "y"; in "outer ${"inner ${a + "-${b}"}"} end"
