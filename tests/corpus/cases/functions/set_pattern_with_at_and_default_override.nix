({ a ? 1, ... }@s: [ a (s.a or "none") ]) { }
