let
  dep = derivation { name = "dep2"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "lib" ]; };
  top = derivation { name = "top2"; system = "x86_64-linux"; builder = "/bin/sh"; libdir = "${dep.lib}/lib"; };
in top.drvPath
