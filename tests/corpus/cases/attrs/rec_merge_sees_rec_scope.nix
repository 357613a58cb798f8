[ { a = rec { c = 1; }; a.d = c; } { a = rec { c = 1; }; a = { d = 2; }; } (let x = 1; in { a = rec { x = 2; }; a.y = x; }) ]
