abort "misc abort"
