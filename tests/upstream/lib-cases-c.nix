# Calls of nixpkgs' deprecated helpers (lib.misc, lib.stringsWithDeps and
# their top-level names) as old package expressions, composableDerivation
# style builders and NixOS' activation scripts make them, each with a JSON
# result. Evaluated with the real lib (by nix) and with nixplan's stand-in
# lib plus parser/nixos/nix/lib-more-c.nix (by nix and by nixplan): the
# results must be equal.
{ lib }:
let
  ok = v: (builtins.tryEval (builtins.deepSeq v v)).success;
  names = map (p: p.name);

  # Packages with propagated inputs, told apart by outPath.
  mk = name: props: { inherit name; outPath = "/nix/store/00000000000000000000000000000000-${name}"; propagatedBuildInputs = props; };
  zlib = mk "zlib" [ ];
  openssl = mk "openssl" [ zlib ];
  curl = mk "curl" [ openssl zlib null ];
  pkgConfig = { name = "pkg-config"; outPath = "/nix/store/00000000000000000000000000000000-pkg-config"; propagatedNativeBuildInputs = [ zlib curl ]; };

  # An old configure-style package description with flags.
  cfg = { flags = [ "gui" "ssl" ]; prefix = "/usr"; jobs = 2; off = false; ssl = false; weird = "yes"; };
  defaults = [ [ "prefix" "/opt" ] [ "jobs" 4 ] [ "threads" 8 ] [ "threads" 16 ] [ "gui" "no" ] [ "none" null ] [ "false" "F" ] ];

  # A composableDerivation-like fold of arguments.
  build = a: {
    name = "${a.pname}-${a.version}";
    inherit (a) pname version;
    flags = a.flags or [ ];
    passthru = { kept = true; } // (a.extraPassthru or { });
  };
  folded = lib.foldArgs lib.defaultMerge build { pname = "hello"; version = "1.0"; } { flags = [ "-O2" ]; };
  refolded = folded.override { version = "2.0"; };
  refoldedFn = refolded.override (a: { pname = a.pname + "-full"; extraPassthru.passthru.args = { nested = 1; }; });
  # passthru.args is `{ ... } // change`: an error when the change was a function.
  showFold = r: showFoldWithout [ ] r;
  showFoldWithout = more: r: {
    plain = builtins.removeAttrs r [ "override" "passthru" ];
    passthru = builtins.removeAttrs r.passthru ([ "function" ] ++ more);
    passthruNames = builtins.attrNames r.passthru;
  };

  # NixOS' activation scripts by stringsWithDeps.
  activation = with lib; {
    specialfs = noDepEntry "mount specialfs";
    users = stringAfter [ "specialfs" ] "create users";
    groups = stringAfter [ "users" ] "create groups";
    etc = stringAfter [ "users" "groups" "specialfs" ] "link /etc";
    wrappers = fullDepEntry "make wrappers" [ "etc" ];
    alias = "wrappers";
    empty = packEntry [ "users" "etc" ];
  };
  docExample = {
    a = { deps = [ "b" "c" "e" ]; text = "a: depends on b, c and e"; };
    b = { deps = [ ]; text = "b: no dependencies"; };
    c = { deps = [ "b" ]; text = "c: depends on b"; };
    d = { deps = [ "c" ]; text = "d: not being depended on by anything in `arg`"; };
    e = { deps = [ "c" ]; text = "e: depends on c, depended on by a, not in `arg`"; };
  };
  mergeInput = [
    { name = "a"; buildInputs = [ "x" ]; preConfigure = "one"; meta.description = "d"; flags = { f = 1; }; cfg = { }; }
    { buildInputs = [ "y" ]; preConfigure = "two"; meta.homepage = "h"; patches = [ "p1" ]; configureFlags = [ "--a" ]; }
    { mergeAttrBy.name = x: y: x + "+" + y; name = "b"; patches = [ "p2" ]; postInstall = "i"; }
    { name = "c"; nativeBuildInputs = [ "n" ]; passthru.t = 1; }
  ];
  merged = lib.mergeAttrsByFuncDefaults mergeInput;
in
{
  deprecatedNames = {
    misc = builtins.attrNames lib.misc;
    stringsWithDeps = builtins.attrNames lib.stringsWithDeps;
    topLevel = builtins.filter (n: lib ? ${n}) (builtins.attrNames (lib.misc // lib.stringsWithDeps) ++ [ "misc" "stringsWithDeps" ]);
  };

  deprecatedDefaultMerge = [
    (lib.defaultMergeArg { a = 1; } { b = 2; })
    (lib.defaultMergeArg { a = 1; } (x: { b = x.a + 1; }))
    (lib.defaultMerge { a = 1; c = 0; } { b = 2; c = 3; })
    (lib.defaultMerge { a = 1; } (x: { a = x.a + 10; }))
    (lib.misc.defaultMerge { } { })
  ];
  deprecatedFoldArgs = {
    first = showFold folded;
    second = showFold refolded;
    third = showFoldWithout [ "args" ] refoldedFn;
    fourth = showFold (refoldedFn.override { flags = [ "-g" ]; });
    viaFunction = showFold (refolded.passthru.function { flags = [ ]; });
    plainMerge = showFold (lib.foldArgs (a: b: a // b) (a: { sum = a.x + a.y; }) { x = 1; y = 2; } { y = 5; });
    functionChangeLazy = builtins.attrNames (lib.foldArgs lib.defaultMerge (a: a) { x = 1; } (a: { x = a.x + 1; }));
    functionChangeValue = (lib.foldArgs lib.defaultMerge (a: a) { x = 1; } (a: { x = a.x + 1; })).x;
  };
  deprecatedModifySumArgs = [
    (lib.modifySumArgs (args: last: { total = args.a + args.b; inherit last; n = builtins.length (builtins.attrNames args); }) { tag = "x"; } { a = 1; } { b = 2; } { a = 5; } null)
    (lib.modifySumArgs (args: _: args) { } null)
    (lib.innerModifySumArgs (args: _: args // { done = true; }) { extra = 1; } { start = 0; } { more = 2; } null)
    (lib.misc.innerModifySumArgs (args: _: args) { a = "over"; } { a = 1; } null)
  ];

  deprecatedMaybeAttr = [
    (lib.maybeAttrNullable "a" 0 { a = 1; })
    (lib.maybeAttrNullable "b" 0 { a = 1; })
    (lib.maybeAttrNullable "a" 0 { a = null; })
    (lib.misc.maybeAttrNullable "a" "d" { })
    (lib.misc.maybeAttr "x" 3 { x = 4; })
  ];
  deprecatedCheckFlag = [
    (lib.checkFlag cfg "true")
    (lib.checkFlag cfg "false")
    (lib.checkFlag cfg "gui")
    (lib.checkFlag cfg "ssl")
    (lib.checkFlag cfg "prefix")
    (lib.checkFlag cfg "off")
    (lib.checkFlag cfg "weird")
    (lib.checkFlag cfg "absent")
    (lib.checkFlag { } "gui")
    (lib.checkFlag { true = false; false = true; } "true")
    (lib.checkFlag { flags = [ "false" ]; } "false")
    (lib.checkFlag { flags = [ ]; x = true; } "x")
  ];
  deprecatedGetValue = map (lib.getValue cfg defaults) [ "prefix" "jobs" "threads" "gui" "ssl" "none" "absent" "off" "true" "false" "weird" ]
    ++ [ (lib.getValue { } [ ] "x") (lib.getValue { flags = [ "x" ]; } [ [ "x" false ] ] "x") (lib.misc.getValue { } [ [ "y" 1 ] [ "x" 2 ] ] "x") ];
  deprecatedCheckReqs = [
    (lib.checkReqs cfg defaults [ [ "gui" "prefix" "jobs" "threads" ] [ "absent" "none" ] ])
    (lib.checkReqs cfg defaults [ [ "gui" "none" ] ])
    (lib.checkReqs cfg defaults [ [ "gui" "off" ] ])
    (lib.checkReqs cfg defaults [ [ "gui" "ssl" ] ])
    (lib.checkReqs cfg defaults [ [ "true" "weird" "gui" ] ])
    (lib.checkReqs cfg defaults [ [ "false" "none" ] ])
    (lib.checkReqs cfg defaults [ [ "gui" ] ])
    (lib.checkReqs cfg defaults [ ])
    (lib.checkReqs { } [ ] [ [ "x" "y" ] ])
    (lib.checkReqs cfg defaults [ [ "off" (throw "not looked at") ] [ "gui" "jobs" ] ])
  ];

  deprecatedUniqList = [
    (lib.uniqList { inputList = [ 1 2 1 3 2 "a" "a" [ 1 ] [ 1 ] { a = 1; } { a = 1; } null null ]; })
    (lib.uniqList { inputList = [ 1 2 3 4 2 5 ]; acc = [ 2 4 ]; })
    (lib.uniqList { inputList = [ ]; acc = [ 1 ]; })
    # Only compared values are forced (builtins.elem with nothing to compare).
    (builtins.length (lib.uniqList { inputList = [ (throw "never forced") ]; }))
    (lib.uniqList { inputList = [ 1 1.0 2.5 2.5 ]; })
    (lib.uniqList { inputList = [ 3 1 3 1 ]; acc = [ 7 ]; })
    (lib.misc.uniqList { inputList = [ "b" "a" "b" ]; })
  ];
  deprecatedUniqListExt = [
    (lib.uniqListExt { inputList = [ 1 2 1 3 ]; })
    (lib.uniqListExt { inputList = [ 1 2 1 ]; outputList = [ 1 1 ]; })
    (lib.uniqListExt { inputList = [ { n = "a"; v = 1; } { n = "b"; v = 2; } { n = "a"; v = 3; } ]; getter = x: x.n; })
    (lib.uniqListExt { inputList = [ 1 5 2 6 3 10 ]; outputList = [ 0 ]; compare = kept: new: kept + 3 > new; })
    (lib.uniqListExt { inputList = [ "x" "X" "y" ]; getter = lib.toLower; compare = a: b: a == b; })
    (lib.uniqListExt { inputList = [ ]; })
  ];
  deprecatedCondConcat = [
    (lib.condConcat "base" [ "a" "-A" "b" "-B" "c" "-C" ] (x: lib.elem x [ "a" "c" ]))
    (lib.condConcat "base" [ ] (x: throw "not called"))
    (lib.condConcat "" [ true "x" false "y" true "z" ] (x: x))
    (lib.condConcat "hello" [ "gui" "-gtk" "ssl" "-ssl" "off" "-off" "absent" "-x" ] (lib.checkFlag cfg))
    (lib.misc.condConcat 42 [ false "never" ] (x: x))
  ];
  deprecatedLazyGenericClosure =
    let
      spec = {
        startSet = [ { key = 1; } { key = 3; } { key = 1; tag = "dup"; } ];
        operator = x: if x.key < 6 then [ { key = x.key + 1; } { key = x.key * 2; } ] else [ ];
      };
    in
    [
      (lib.lazyGenericClosure spec)
      (lib.reverseList (lib.lazyGenericClosure spec) == builtins.genericClosure spec)
      (lib.lazyGenericClosure { startSet = [ ]; operator = throw "never"; })
      (lib.misc.lazyGenericClosure {
        startSet = [ { key = { n = 1; }; } ];
        operator = x: if x.key.n < 3 then [ { key = { n = x.key.n + 1; }; } { key = { n = 1; }; } ] else [ ];
      })
    ];

  deprecatedClosePropagation = [
    (names (lib.closePropagation [ curl null pkgConfig ]))
    (names (lib.closePropagation [ zlib zlib ]))
    (names (lib.closePropagation [ ]))
    (names (lib.misc.closePropagationFast [ pkgConfig openssl ]))
    (names (lib.misc.closePropagationSlow [ curl null pkgConfig "not a package" ]))
    (names (lib.misc.closePropagationSlow [ pkgConfig openssl ]))
    (names (lib.innerClosePropagation [ ] [ curl pkgConfig ]))
    (names (lib.innerClosePropagation [ zlib ] [ zlib openssl 5 ]))
    (names (lib.misc.innerClosePropagation [ openssl ] [ curl ]))
    (lib.innerClosePropagation [ ] [ 1 "a" null ])
  ];

  deprecatedSetAttr = [
    (lib.nvs "a" 1)
    (lib.nvs "with space" [ ])
    (lib.setAttr { a = 1; } "b" 2)
    (lib.setAttr { a = 1; } "a" 2)
    (lib.setAttrMerge "a" [ ] { a = [ 2 ]; } (x: x ++ [ 3 ]))
    (lib.setAttrMerge "a" [ ] { } (x: x ++ [ 3 ]))
    (lib.misc.setAttrMerge "n" 0 { m = 1; } (x: x + 1))
  ];
  deprecatedMergeAttrsWithFunc = [
    (lib.mergeAttrsWithFunc (a: b: a + b) { a = 1; b = 2; } { b = 10; c = 100; })
    (lib.mergeAttrsWithFunc (a: b: [ a b ]) { } { x = 1; })
    (lib.mergeAttrsWithFunc (a: b: b) { x = 1; } { })
    (lib.mergeAttrsConcatenateValues { a = 7; b = [ 1 ]; } { a = [ 2 3 ]; c = 4; })
    (lib.misc.mergeAttrsConcatenateValues { } { })
  ];
  deprecatedMergeAttrsNoOverride = [
    (lib.mergeAttrsNoOverride { } { buildInputs = [ "a" ]; buildPhase = "one"; name = "x"; } { buildInputs = [ "b" ]; buildPhase = "two"; other = 1; })
    (lib.mergeAttrsNoOverride { mergeLists = [ "deps" ]; overrideSnd = [ ]; } { deps = [ 1 ]; buildInputs = 1; } { deps = [ 2 ]; })
    (builtins.attrNames (lib.mergeAttrsNoOverride { } { name = "a"; } { name = "b"; }))
    (ok (lib.mergeAttrsNoOverride { } { name = "a"; } { name = "b"; }).name)
    (ok (lib.mergeAttrsNoOverride { overrideSnd = [ ]; } { buildPhase = "a"; } { buildPhase = "b"; }))
    (builtins.tryEval (lib.mergeAttrsNoOverride { } { name = "a"; } { name = "b"; }).name).value
  ];
  deprecatedMergeAttrByFunc = [
    (builtins.removeAttrs (lib.mergeAttrByFunc { inherit (lib) mergeAttrBy; buildInputs = [ "a" ]; meta.x = 1; } { buildInputs = [ "b" ]; meta.y = 2; name = "n"; }) [ "mergeAttrBy" ])
    (lib.mergeAttrByFunc { a = 1; } { a = 2; b = 3; })
    (builtins.removeAttrs (lib.mergeAttrByFunc { mergeAttrBy.a = x: y: x * 10 + y; a = 1; } { a = 2; }) [ "mergeAttrBy" ])
    (builtins.attrNames (lib.mergeAttrByFunc { mergeAttrBy.a = x: y: x; } { mergeAttrBy.b = x: y: y; }).mergeAttrBy)
    (builtins.removeAttrs (lib.mergeAttrByFunc { mergeAttrBy.a = x: y: x; a = 1; } { mergeAttrBy.a = x: y: y; a = 2; }) [ "mergeAttrBy" ])
    (lib.misc.mergeAttrByFunc { mergeAttrBy = { }; } { mergeAttrBy = { }; })
  ];
  deprecatedMergeAttrsByFuncDefaults = {
    clean = lib.mergeAttrsByFuncDefaultsClean mergeInput;
    kept = builtins.attrNames merged.mergeAttrBy;
    empty = lib.mergeAttrsByFuncDefaultsClean [ ];
    emptyNames = builtins.attrNames (lib.misc.mergeAttrsByFuncDefaults [ ]);
  };
  deprecatedMergeAttrBy = {
    names = builtins.attrNames lib.mergeAttrBy;
    applied = builtins.mapAttrs (n: f:
      if lib.elem n [ "passthru" "meta" "cfg" "flags" ] then f { a = 1; b = 1; } { b = 2; }
      else if lib.elem n [ "preConfigure" "postInstall" ] then f "x" "y"
      else f [ 1 ] [ 2 ]) lib.misc.mergeAttrBy;
  };
  deprecatedNixType = map lib.nixType [
    1 1.5 "s" ./. true false null [ ] { } { outPath = "/x"; } { type = "derivation"; } (x: x) builtins.map (builtins.map (x: x))
    { __functor = self: x: x; } { __toString = _: "s"; }
  ] ++ [ (lib.misc.nixType [ 1 ]) ];

  deprecatedMiscOthers = [
    (lib.misc.maybeEnv "NIXPLAN_SURELY_UNSET_VARIABLE" "fallback")
    (lib.misc.ifEnable false [ 1 ])
    (lib.misc.ifEnable true [ 1 ])
    (lib.misc.imap (i: x: "${toString i}${x}") [ "a" "b" ])
    lib.misc.fakeHash
    lib.misc.fakeSha256
    lib.misc.fakeSha512
  ];

  deprecatedTextClosure = {
    docExample = lib.textClosureList docExample [ "a" "b" "c" ];
    repeated = lib.textClosureList docExample [ "c" "c" "b" docExample.c docExample.c "a" ];
    activation = lib.textClosureList activation (builtins.attrNames activation);
    activationSome = lib.textClosureList activation [ "wrappers" "specialfs" ];
    cycle = lib.textClosureList { a = lib.fullDepEntry "A" [ "b" ]; b = lib.fullDepEntry "B" [ "a" "c" ]; c = lib.noDepEntry "C"; } [ "a" ];
    nothing = lib.textClosureList { } [ ];
    lazyText = builtins.length (lib.textClosureList { a = { deps = [ ]; text = throw "lazy"; }; } [ "a" ]);
    unusedMissing = lib.textClosureList { a = lib.noDepEntry "A"; b = lib.fullDepEntry "B" [ "missing" ]; } [ "a" ];
    map = lib.textClosureMap (t: "# ${t}") activation [ "etc" "users" ];
    mapId = lib.textClosureMap lib.id docExample [ "a" ];
    mapEmpty = lib.textClosureMap lib.id docExample [ ];
    namespace = lib.stringsWithDeps.textClosureMap lib.id {
      nameHeader = lib.stringsWithDeps.noDepEntry "#! /bin/sh \n";
      nameA = lib.stringsWithDeps.noDepEntry "Text a";
      nameB = lib.stringsWithDeps.fullDepEntry "Text b" [ "nameA" ];
      nameC = lib.stringsWithDeps.fullDepEntry "Text c" [ "nameA" ];
    } [ "nameHeader" "nameA" "nameB" "nameC" (lib.stringsWithDeps.fullDepEntry "Text c" [ "nameA" ]) "nameB" ];
    entries = [
      (lib.packEntry [ "a" ])
      (lib.stringsWithDeps.packEntry [ ])
      (lib.stringsWithDeps.stringAfter [ "x" ] "t")
      (lib.stringsWithDeps.textClosureList { x = lib.packEntry [ "y" ]; y = "z"; z = lib.noDepEntry "Z"; } [ "x" ])
    ];
  };
}
