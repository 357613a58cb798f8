rec {
  # a comment ended by CR alone  x = 1;
  s = "a
bc";
  t = ''
    d
  '';
}
