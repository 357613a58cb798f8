let
  check = size: if size < 256 then throw "the ESP must be at least 256M (got ${toString size}M)" else size;
in
builtins.addErrorContext "while checking the ESP of disk main" (check 100)
