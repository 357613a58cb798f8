builtins.fromJSON ''[{}, []]''
