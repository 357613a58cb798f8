"${../../data/hello.txt}"
