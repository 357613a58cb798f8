[ (derivation { name = "inlist"; system = "x86_64-linux"; builder = "/bin/sh"; }) ]
