# The public names of nixpkgs' lib (`real`) that nixplan's stand-in lib
# (`standin`) lacks: at top level, and inside each namespace both have.
# tests/upstream_lib.rs holds the answer to tests/upstream/lib-missing.txt.
{ real, standin }:
let
  r = import real;
  s = import standin;
  public = n: builtins.substring 0 1 n != "_";
  # Namespaces that are sets of functions (not data: licenses, platforms...).
  namespaces = builtins.filter (n: builtins.hasAttr n r && builtins.hasAttr n s) [
    "asserts" "attrsets" "cli" "customisation" "debug" "derivations" "filesystem" "fixedPoints"
    "flakes" "generators" "gvariant" "kernel" "lists" "meta" "misc" "modules" "network" "options"
    "path" "sources" "strings" "trivial" "types" "versions" "fileset" "fetchers"
  ];
in
builtins.filter (n: !(builtins.hasAttr n s)) (builtins.filter public (builtins.attrNames r))
++ builtins.concatMap (ns:
  map (n: "${ns}.${n}")
    (builtins.filter (n: public n && !(builtins.hasAttr n s.${ns})) (builtins.attrNames r.${ns})))
  namespaces
