let lib = import <nixplan/lib.nix>; in {
  a = lib.splitString "/" "/dev/disk/by-id/x";
  b = lib.hasPrefix "/dev" "/dev/vda";
  c = lib.removePrefix "/persist" "/persist/var/lib";
  d = lib.concatMapStringsSep "," toString [ 1 2 3 ];
  e = lib.escapeShellArg "it's";
  f = lib.toUpper "ext4";
  g = lib.optionalString true "x";
  h = lib.versionAtLeast "24.05" "23.11";
  i = lib.fixedWidthNumber 3 7;
  j = lib.toInt "42";
  k = lib.trim "  a b  ";
  l = lib.hasInfix "by-id" "/dev/disk/by-id/x";
  m = lib.strings.escapeNixString "a\${b}";
}
