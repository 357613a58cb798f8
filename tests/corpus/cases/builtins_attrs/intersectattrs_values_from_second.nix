builtins.intersectAttrs { k = "first"; } { k = "second"; }
