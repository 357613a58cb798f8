builtins.listToAttrs [ { name = "a"; value = 1; } { name = "a"; } { name = "b"; value = 2; } { name = "a"; value = throw "later ones are not read"; } ]
