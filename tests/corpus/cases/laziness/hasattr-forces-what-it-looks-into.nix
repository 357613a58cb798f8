# `a ? b.c` must look into a.b, so a.b is forced (and its error shows).
{ a.b = throw "forced"; } ? a.b.c
