builtins.toJSON (builtins.fromJSON "\"\\u0001\\u0008\\u000c\\u001f\"")
