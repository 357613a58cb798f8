../../data/sub/../hello.txt == ../../data/hello.txt
