with builtins; concatStringsSep "," (map toString [ 1 2 ])
