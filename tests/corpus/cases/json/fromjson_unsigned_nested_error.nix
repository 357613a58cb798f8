builtins.fromJSON "[1, {\"a\": 18446744073709551615}]"
