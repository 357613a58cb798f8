let e = { x = 1; }; in { inherit (e) nope; }.nope
