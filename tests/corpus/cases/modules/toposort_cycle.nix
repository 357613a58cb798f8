let lib = import <nixplan/lib.nix>; in
(lib.toposort (a: b: true) [ 1 2 ]) ? cycle
