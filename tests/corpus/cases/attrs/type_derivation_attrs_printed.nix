{ type = "derivation"; name = "fake"; }
