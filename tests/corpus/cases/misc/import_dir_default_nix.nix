(import ../../data/dir).fromDir
