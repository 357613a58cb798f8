let e = { "a b" = 1; }; in { inherit (e) "a b"; }
