# __structuredAttrs: the attributes reach the builder as one JSON document.
let
  d = derivation {
    name = "structured";
    system = "x86_64-linux";
    builder = "/bin/sh";
    __structuredAttrs = true;
    outputs = [ "out" "dev" ];
    nested = { b = [ 1 "x" null true ]; c = 1.5; "z y" = "q\"uote"; };
    args = [ "-c" "true" ];
    dep = "${../../data/hello.txt}";
  };
in
[ d.drvPath d.outPath d.dev.outPath ]
