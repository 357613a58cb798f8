with { x = "outer"; y = "outer-y"; }; with { x = "inner"; }; y
