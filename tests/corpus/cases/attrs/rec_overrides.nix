# __overrides in a rec set replaces attributes where the set refers to them
let o = { a = 2; }; in [ (rec { __overrides = o; x = a; a = 1; }).x (rec { __overrides = { b = 3; }; a = 1; }) ({ __overrides = o; a = 1; }) ]
