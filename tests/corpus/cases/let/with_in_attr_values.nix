let lib = { f = x: x * 3; }; in { v = with lib; f 2; }
