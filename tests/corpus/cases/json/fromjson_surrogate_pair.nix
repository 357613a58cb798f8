builtins.fromJSON ''"\ud83c\udf89"''
