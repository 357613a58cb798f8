baseNameOf (./a + "/b")
