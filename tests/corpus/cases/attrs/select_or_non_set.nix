let x = 5; in x.a or "fallback"
