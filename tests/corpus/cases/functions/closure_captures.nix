let mk = n: (x: x + n); fs = map mk [ 1 2 3 ]; in map (f: f 10) fs
