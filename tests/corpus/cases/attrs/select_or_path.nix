{ a.b = 1; }.a.c.d or "deep-default"
