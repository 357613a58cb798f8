/* block
   comment */ 5 /* another */ * 2
