builtins.isPath (./a + "/b")
