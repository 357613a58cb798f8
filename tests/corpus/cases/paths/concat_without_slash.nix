baseNameOf (./dir + "file")
