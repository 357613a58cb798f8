let e = { x = 1; y = 2; z = 3; }; in { inherit (e) x y; }
