# `a ? b` looks only at the names: the value of a.b is never forced.
[ ({ a = throw "forced"; } ? a) ({ a.b = throw "forced"; } ? a.b) ({ a = { }; } ? a.b) ]
