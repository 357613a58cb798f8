builtins.toJSON (builtins.fromJSON ''{"k":[1,"two",{"three":3.5}]}'')
