let k = "key"; in { "${k}-suffix" = true; }
