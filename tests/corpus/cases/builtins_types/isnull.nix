[ (builtins.isNull null) (builtins.isNull false) (builtins.isNull { }) ]
