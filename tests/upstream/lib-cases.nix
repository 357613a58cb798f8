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
  kernel = with lib.kernel; [ yes no module unset (freeform "64") (option yes) ((whenHelpers "6.1").whenAtLeast "5.4" yes) ((whenHelpers "6.1").whenOlder "5.4" no) ((whenHelpers "6.1").whenBetween "6.0" "6.2" module) ];
  cli =
    let
      args = { data = builtins.toJSON { id = 0; }; X = "PUT"; retry = 3; retry-delay = null; url = [ "https://a/1" "https://a/2" ]; silent = false; verbose = true; };
      many = { v = true; verbose = [ true true false null ]; i = ".bak"; testsuite = [ "unit" "integration" ]; e = [ "s/a/b/" "s/b/c/" ]; n = false; data = "{}"; };
    in
    [
      (lib.cli.toGNUCommandLine { } args)
      (lib.cli.toGNUCommandLineShell { } args)
      (lib.cli.toGNUCommandLine { optionValueSeparator = "="; } args)
      (lib.cli.toGNUCommandLine { mkBool = k: v: [ "--${k}=${lib.boolToString v}" ]; } args)
      (lib.cli.toCommandLineGNU { } many)
      (lib.cli.toCommandLineGNU { explicitBool = true; } many)
      (lib.cli.toCommandLineShellGNU { } many)
      (lib.cli.toCommandLine (n: { option = "-${n}"; sep = "="; explicitBool = true; }) many)
      (lib.cli.toCommandLine (n: { option = "--${n}"; sep = null; explicitBool = false; formatArg = x: "<${toString x}>"; }) many)
      (lib.cli.toCommandLineShell (n: { option = "-${n}"; sep = null; explicitBool = true; }) { a = "x y"; b = false; })
    ];
  trimmed = map (f: map f [ "" "   " " a b " "\t\nx\r\n" "x" ]) [
    (lib.trimWith { start = true; end = true; })
    (lib.trimWith { start = true; })
    (lib.trimWith { end = true; })
    (lib.trimWith { })
  ];
  splitBy = [
    (lib.splitStringBy (prev: curr: builtins.elem curr [ "." "-" ]) false "foo.bar-baz")
    (lib.splitStringBy (prev: curr: builtins.match "[a-z]" prev != null && builtins.match "[A-Z]" curr != null) true "fooBarBaz")
    (lib.splitStringBy (prev: curr: builtins.elem curr [ "." ]) false ".foo.bar.baz")
    (lib.splitStringBy (prev: curr: builtins.elem curr [ "." ]) false "foo.bar.baz.")
    (lib.splitStringBy (prev: curr: prev == "") true "ab")
    (lib.splitStringBy (prev: curr: true) false "")
  ];
  camel = map lib.toCamelCase [ "hello-world" "hello_world" "hello world" "HelloWorld" "helloWorld" "HELLO" "hello--world" "_leading" "trailing_" "a" "" "XMLHttpRequest" "mixed_Case-and space" "v2_beta" ];
  natural = map lib.naturalSort [
    [ "disk11" "disk8" "disk100" "disk9" ]
    [ "10.46.133.149" "10.5.16.62" "10.54.16.25" ]
    [ "v0.2" "v0.15" "v0.0.9" ]
    [ "a01" "a1" "a001" "a10" "a0" "b" "" "1" "10" "9a" ]
  ];
  drvAttrs = [ (lib.optionalDrvAttr true "x") (lib.optionalDrvAttr false "x") ];
  files =
    let
      dir = ./evals;
      rel = p: lib.removePrefix (toString dir) (toString p);
    in
    [
      (builtins.length (lib.filesystem.listFilesRecursive dir) > 3)
      (builtins.all (p: lib.hasPrefix "/" (rel p)) (lib.filesystem.listFilesRecursive dir))
      (let found = lib.filesystem.locateDominatingFile "(lib-cases)\\.nix" (dir + "/flake-parts.nix"); in [ (rel found.path) found.matches ])
      (lib.filesystem.locateDominatingFile "no-such-file-here-[0-9]+" ./lib-cases.nix)
      (rel (lib.filesystem.locateDominatingFile "flake-parts\\.nix" dir).path)
      (lib.attrNames (lib.filesystem.haskellPathsInDir dir))
    ];
  metaNames = [ (lib.setName "x-1.0" pkg).name (lib.updateName (n: n + "-patched") pkg).name (lib.appendToName "wrapped" (pkg // { name = "hello-2.12"; })).name (lib.dontDistribute pkg).meta (lib.meta.getExe (drv // { meta.mainProgram = "hi"; outPath = "/x"; })) ];
  outputs =
    let p = { out = "o"; dev = "d"; lib = "l"; outputs = [ "out" "dev" "lib" ]; }; in
    [ (lib.getFirstOutput [ "man" "dev" "out" ] p) (lib.getInclude p) (lib.getStatic p) (lib.getFirstOutput [ "x" ] p == p) (lib.getFirstOutput [ "dev" ] (p // { outputSpecified = true; }) == (p // { outputSpecified = true; })) ];
  converge = [ (lib.converge (x: if x > 10 then x else x * 2) 1) (lib.fixedPoints.converge (x: x) 3) ];
  extension = [
    (lib.fix (lib.extends (lib.toExtension { a = 1; }) (self: { a = 0; b = self.a + 1; })))
    (lib.fix (lib.extends (lib.toExtension (prev: { a = prev.a + 5; })) (self: { a = 1; b = self.a; })))
    (lib.fix (lib.extends (lib.toExtension (final: prev: { c = final.a * 2; })) (self: { a = 3; })))
  ];
  enums = [ (lib.checkListOfEnum "x" [ 1 2 3 ] [ 1 3 ] "ok") (lib.asserts.assertEachOneOf "x" [ "a" ] [ "a" "b" ]) (lib.trivial.inPureEvalMode) ];
  recursive = [
    (lib.mapAttrsToListRecursive (path: v: "${lib.concatStringsSep "." path}=${toString v}") { a = 1; b = { c = 2; d = { e = 3; }; }; f = drv; })
    (lib.mapAttrsToListRecursiveCond (path: set: !(set ? stop)) (path: v: path) { a = { stop = 1; x = 2; }; b = { c = 3; }; })
  ];
  prefixes = [ (lib.lists.commonPrefix [ 1 2 3 4 5 6 ] [ 1 2 4 8 ]) (lib.lists.commonPrefix [ 1 2 3 ] [ 1 2 3 4 5 ]) (lib.lists.commonPrefix [ 1 2 3 ] [ 4 5 6 ]) (lib.lists.hasPrefix [ 1 ] [ 1 2 ]) (lib.lists.removePrefix [ 1 ] [ 1 2 ]) ];
  chars = [ (map lib.strings.charToInt [ "A" " " "~" "0" "\n" ]) (lib.strings.escapeC [ " " "\n" "=" ] "a b\nc=d") (map lib.strings.escapeNixIdentifier [ "abc" "a-b'c" "1x" "a b" "" "if" "with" "or" "inherit" "orx" ]) ];
  suffixes = [ (lib.strings.commonSuffixLength "foobar" "bar") (lib.strings.commonSuffixLength "" "x") (lib.strings.commonSuffixLength "abc" "abc") ];
  floats = map lib.strings.floatToString [ 0.5 1.0 (-2.25) ];
  pads = map (v: lib.versions.pad 3 v) [ "1.2" "1.3-rc1" "1.2.3.4" "7" "1.2.3" "1.2rc1" "v1.2" "1.2.x" "1-2-3" "" ] ++ [ (lib.versions.pad 2 "1.2.x") ];
  includePath = lib.makeIncludePath [ { dev = "/d"; out = "/o"; outputs = [ "out" "dev" ]; } { out = "/p"; } ];
  extended =
    let
      mine = lib.extend (final: prev: { double = x: 2 * x; quad = x: final.double (final.double x); });
      more = mine.extend (final: prev: { double = x: prev.double x + 1; });
    in
    [ (mine.quad 3) (more.quad 3) (more.mkIf true 1).content (mine ? extend) (lib ? double) ];
  debugged = [
    (lib.traceSeqN 2 { a.b.c = 1; } "y") (lib.traceValSeqN 1 [ 1 [ 2 ] ]) (lib.traceValSeqNFn (x: x.a) 1 { a = 3; })
    (lib.traceFnSeqN 1 "inc" (x: x + 1) 4)
    (lib.runTests { testOk = { expr = 1; expected = 1; }; testBad = { expr = 1; expected = 2; }; other = { expr = 1; expected = 3; }; })
    (lib.runTests { tests = [ "testBad" ]; testOk = { expr = 1; expected = 2; }; testBad = { expr = 1; expected = 2; }; })
    (lib.testAllTrue [ true false ])
    (lib.debug.throwTestFailures { failures = [ ]; })
    (builtins.tryEval (lib.debug.throwTestFailures { failures = [ { name = "x"; expected = 1; result = 2; } ]; })).success
  ];
  builtinsToo = [ (lib.baseNameOf "/a/b.nix") (lib.dirOf "/a/b.nix") (lib.parseDrvName "hello-2.12") (lib.floor 1.5) (lib.ceil 1.5) ];
}
# More cases, one file per part of the stand-in (lib-more-*.nix, types.nix, modules.nix).
// import ./lib-cases-a.nix { inherit lib; }
// import ./lib-cases-b.nix { inherit lib; }
// import ./lib-cases-c.nix { inherit lib; }
// import ./lib-cases-d.nix { inherit lib; }
// import ./lib-cases-e.nix { inherit lib; }
// import ./lib-cases-f.nix { inherit lib; }
// import ./lib-cases-g.nix { inherit lib; }
// import ./lib-cases-i.nix { inherit lib; }
// import ./lib-cases-h.nix { inherit lib; }
// import ./lib-cases-j.nix { inherit lib; }
