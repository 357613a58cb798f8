builtins.isString builtins.nixVersion
