let k = "dyn"; in { "${k}" = 1; }.dyn
