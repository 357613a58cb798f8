builtins.path { path = ../../data; filter = p: t: false; sha256 = "1yhm3gwvg5a41yylymgblsclk95fs6jy72w0wv925mmidlhcq4sw"; }
