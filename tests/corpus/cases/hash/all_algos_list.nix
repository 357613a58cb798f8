map (a: builtins.hashString a "nixplan") [ "md5" "sha1" "sha256" "sha512" ]
