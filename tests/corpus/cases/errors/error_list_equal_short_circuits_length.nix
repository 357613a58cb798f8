[ (throw "not forced") ] == [ ]
