{ f = x: x; g = builtins.head; }
