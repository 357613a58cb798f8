import ../../data/dir
