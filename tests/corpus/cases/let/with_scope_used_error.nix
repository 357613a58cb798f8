with (throw "evaluated"); x
