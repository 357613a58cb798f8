with (throw "never evaluated"); 42
