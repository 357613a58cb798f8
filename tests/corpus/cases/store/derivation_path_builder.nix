(derivation { name = "pathbuilder"; system = "x86_64-linux"; builder = ../../data/hello.txt; }).drvPath
