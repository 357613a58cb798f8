map (a: builtins.stringLength (builtins.hashString a "x")) [ "md5" "sha1" "sha256" "sha512" ]
