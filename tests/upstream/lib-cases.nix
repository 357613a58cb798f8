# Calls of nixpkgs' lib functions as configurations make them, each with a
# JSON result. tests/upstream_lib.rs evaluates this with the real lib (by
# nix) and with nixplan's stand-in lib (parser/nixos/nix/lib.nix, by nix
# and by nixplan): the three results must be equal.
{ lib }:
let
  pkg = { name = "hello"; meta.description = "greets"; };
  drv = pkg // { type = "derivation"; };
  overridable = lib.makeOverridable ({ a, b ? 2 }: { sum = a + b; }) { a = 1; };
  called = lib.callPackageWith { a = 5; b = 7; unused = 0; } ({ a, b, c ? 1 }: { inherit a b c; }) { b = 9; };
in
{
  arithmetic = [ (lib.add 2 3) (lib.sub 2 3) (lib.mul 4 5) (lib.div 7 2) (lib.lessThan 1 2) (lib.bitNot 5) ];
  prio = [ (lib.lowPrio pkg).meta (lib.hiPrio pkg).meta (lib.setPrio 3 pkg).meta.priority ];
  prioSets = lib.mapAttrs (_: p: p.meta.priority or "none") (lib.lowPrioSet { inherit pkg drv; } // { b = (lib.hiPrioSet { inherit drv; }).drv; });
  metaAdded = (lib.addMetaAttrs { mainProgram = "hello"; } pkg).meta;
  nullable = [ (lib.mapNullable (x: x + 1) null) (lib.mapNullable (x: x + 1) 1) ];
  ifEnable = [ (lib.ifEnable true "x") (lib.ifEnable false "x") (lib.ifEnable false [ 1 ]) (lib.ifEnable false { a = 1; }) (lib.ifEnable false true) ];
  yesNo = map lib.boolToYesNo [ true false ];
  types = [ (lib.isType "foo" (lib.setType "foo" { })) (lib.isType "foo" { }) ];
  asserts = [ (lib.assertMsg true "never") (lib.assertOneOf "x" "a" [ "a" "b" ]) ];
  cartesian = lib.mapCartesianProduct ({ a, b }: "${a}-${toString b}") { a = [ "x" "y" ]; b = [ 1 2 ]; };
  ends = [ (lib.takeEnd 2 [ 1 2 3 ]) (lib.dropEnd 2 [ 1 2 3 ]) (lib.takeEnd 5 [ 1 ]) (lib.dropEnd 5 [ 1 ]) ];
  replaced = lib.replaceElemAt [ 1 2 3 ] 1 "b";
  unique = lib.uniqueStrings [ "b" "a" "b" "c" ];
  digits = [ (lib.toBaseDigits 2 6) (lib.toBaseDigits 16 255) (lib.toHexString 0) (lib.toHexString 48879) ];
  hex = map lib.fromHexString [ "ff" "FF" "0x1A" "0" ];
  escaped = [ (lib.escapeURL "a b/c?d=e&f~g\t\n\r") (lib.escapeXML "<a href=\"x\">'&'</a>") ];
  sentence = map lib.toSentenceCase [ "hELLO wORLD" "" "x" ];
  shell = [
    (lib.toShellVar "a" "it's")
    (lib.toShellVar "b" [ "x y" "z" ])
    (lib.toShellVar "c" { k = "v w"; })
    (lib.toShellVars { a = "1"; b = [ "2" ]; })
    (lib.isValidPosixName "9x")
  ];
  concat = [
    (lib.concatImapStrings (i: x: "${toString i}${x}") [ "a" "b" ])
    (lib.concatMapAttrsStringSep ", " (n: v: "${n}=${v}") { x = "1"; y = "2"; })
    (lib.concatAttrValues { a = [ 1 ]; b = [ 2 3 ]; })
    (lib.join "-" [ "a" "b" ])
    (lib.replaceString "o" "0" "foo")
  ];
  genAttrs' = lib.genAttrs' [ "a" "b" ] (n: lib.nameValuePair "x-${n}" n);
  build = [
    (lib.cmakeBool "ENABLE" true)
    (lib.cmakeFeature "PREFIX" "/usr")
    (lib.cmakeOptionType "filepath" "CFG" "/etc/x")
    (lib.mesonBool "docs" false)
    (lib.mesonEnable "x11" true)
    (lib.mesonOption "b" "c")
    (lib.enableFeatureAs true "tls" "openssl")
    (lib.enableFeatureAs false "tls" "openssl")
    (lib.withFeatureAs true "zlib" "/z")
  ];
  traced = [ (lib.traceIf false "no" 1) (lib.traceValFn (x: "v") 2) (lib.traceSeq { a = 1; } 3) ];
  urls = [ (lib.nameFromURL "https://example.org/foo-1.0.tar.gz" "-") ];
  attrPaths = map lib.showAttrPath [ [ ] [ "a" "b" ] [ "a" "b.c" "d e" ] [ "if" "x$y" "q\"" ] ];
  overridableArgs = lib.functionArgs (lib.makeOverridable ({ a, b ? 2 }: a) );
  maybe = [ (lib.maybeAttr "a" 0 { a = 1; }) (lib.maybeAttr "b" 0 { a = 1; }) ];
  versions = [ (lib.compareVersions "1.2" "1.10") (lib.splitVersion "1.2.3a") ];
  overridden = [ overridable.sum (overridable.override { b = 10; }).sum (overridable.override (old: { a = old.a * 3; })).sum ];
  callPackage = [ { inherit (called) a b c; } (called.override { c = 4; }).c ];
  builtinsToo = [ (lib.baseNameOf "/a/b.nix") (lib.dirOf "/a/b.nix") (lib.parseDrvName "hello-2.12") (lib.floor 1.5) (lib.ceil 1.5) ];
}
