let cfg = { name = "n"; }; in with cfg; "name=${name}"
