abort "stop everything"
