let rec = 1; in rec
