let x = abort "never"; in "safe"
