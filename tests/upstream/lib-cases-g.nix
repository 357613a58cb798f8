# Cases for nixpkgs' package-set machinery (lib.customisation, makeScope,
# callPackagesWith, extendDerivation, overrideDerivation, hydraJob,
# lazyDerivation, toDerivation, packagesFromDirectoryRecursive), compared
# between the real lib and nixplan's stand-in (parser/nixos/nix/lib-more-g.nix).
# Fixture: ./pkgs-dir.
{ lib }:
let
  b = builtins;
  inherit (import ./case-helpers.nix) ok okDeep mkPkg;

  twoOut = mkPkg "two" { outputs = [ "out" "dev" ]; };

  # ---- makeScope ----
  scope = lib.makeScope lib.callPackageWith (self: {
    a = 1;
    b = self.a + 1;
    sum = self.callPackage ({ a, b }: { v = a + b; }) { };
    inherit mkPkg;
    pkg = self.callPackage ({ mkPkg, a }: mkPkg "scoped-${toString a}" { }) { };
  });
  scope2 = scope.overrideScope (final: prev: { a = 100; sum = prev.sum // { extra = final.b; }; });
  scope3 = scope2.overrideScope (final: prev: { b = prev.b * 2; });
  child = scope.newScope { c = 5; a = 7; };

  # ---- callPackagesWith ----
  multi = lib.callPackagesWith { x = 1; y = 2; unused = 0; } ({ x, y, z ? 3 }: {
    p = { v = x + y; };
    q = { v = z; };
  }) { y = 20; };

  # ---- extendDerivation ----
  ext = lib.extendDerivation true { foo = 1; overrideAttrs = f: { dev = "dev-of-${f}"; out = "out-of-${f}"; }; } twoOut;
  extBad = lib.extendDerivation false { foo = 2; } twoOut;

  # ---- overrideDerivation ----
  base = mkPkg "od" { foo = "a"; } // { meta = { m = 1; }; passthru = { pt = 2; }; };
  over = lib.overrideDerivation base (old: { foo = old.foo + "b"; name = "od2"; });
  overOfBroken = lib.overrideDerivation (mkPkg "od" { } // { drvPath = throw "broken"; }) (old: { });

  # ---- hydraJob ----
  forHydra = lib.extendDerivation true { meta = { x = 1; }; junk = throw "not kept"; } twoOut;
  job = lib.hydraJob forHydra;
  aggregate = lib.hydraJob (mkPkg "agg" { } // {
    meta = { };
    _hydraAggregate = true;
    constituents = [ [ job ] (lib.extendDerivation true { meta = { }; } (mkPkg "c2" { })) ];
  });

  # ---- lazyDerivation ----
  lazyBroken = lib.lazyDerivation { derivation = throw "This won't be evaluated."; };
  lazyOk = lib.lazyDerivation { derivation = twoOut // { meta = { d = 1; }; }; outputs = [ "out" "dev" ]; passthru = { tests = "t"; }; };

  # ---- toDerivation ----
  stored = b.toFile "my-file.txt" "content";
  asDrv = lib.toDerivation stored;

  # ---- packagesFromDirectoryRecursive ----
  dirScope = lib.makeScope lib.callPackageWith (self: { inherit mkPkg; });
  fromDir = lib.packagesFromDirectoryRecursive {
    inherit (dirScope) callPackage newScope;
    directory = ./pkgs-dir;
  };
  fromDirOver = fromDir.overrideScope (final: prev: { hello = prev.hello.override { greeting = "hi"; }; });
  plain = lib.packagesFromDirectoryRecursive {
    callPackage = lib.callPackageWith { inherit mkPkg; hello = { text = "outside"; }; world = { text = "w"; }; fmt = { text = "f"; }; };
    directory = ./pkgs-dir;
  };

  # ---- makeScopeWithSplicing ----
  otherSplices = lib.genAttrs [ "selfBuildBuild" "selfBuildHost" "selfBuildTarget" "selfHostHost" "selfTargetTarget" ] (n: { mark = n; });
  splicePackages = { pkgsBuildBuild, pkgsBuildHost, pkgsBuildTarget, pkgsHostHost, pkgsHostTarget, pkgsTargetTarget }:
    pkgsHostTarget // { spliceMark = pkgsBuildHost.mark; targetMark = pkgsTargetTarget.mark; };
  spliced = lib.makeScopeWithSplicing' { inherit splicePackages; newScope = lib.callPackageWith; } {
    inherit otherSplices;
    f = self: { a = 1; b2 = self.callPackage ({ a, spliceMark }: "${toString a}-${spliceMark}") { }; };
    extra = sp: { fromExtra = 7; spliceMark = "hidden"; };
    keep = self: { kept = self.a; };
  };
  splicedOld = lib.makeScopeWithSplicing splicePackages lib.callPackageWith otherSplices (_: { }) (_: { }) (self: { z = 26; });

  # ---- extendMkDerivation ----
  constructDrv = lib.setFunctionArgs
    (fp: let final = lib.fix (self: if lib.isFunction fp then fp self else fp); in
      { name = "${final.pname}-${final.version}"; attrs = final; })
    { pname = false; version = false; special = true; };
  mkLocal = lib.extendMkDerivation {
    inherit constructDrv;
    excludeDrvArgNames = [ "special" ];
    extendDrvArgs = final: args@{ local ? true, special ? 0, ... }: {
      local = local;
      shout = final.pname + "!";
      specialSeen = special;
    };
  };
  mkLocal2 = lib.extendMkDerivation {
    inherit constructDrv;
    inheritFunctionArgs = false;
    excludeFunctionArgNames = [ "old" ];
    extendDrvArgs = final: { old ? 1, new ? 2, ... }: { n = new; };
    transformDrv = d: d // { transformed = true; };
  };

  cross = { buildBuild = 1; buildHost = 2; buildTarget = 3; hostHost = 4; hostTarget = 5; targetTarget = 6; };
in
{
  pkgsetCustomisationNames = b.attrNames lib.customisation;
  pkgsetCustomisationSame = lib.customisation.renameCrossIndexTo "p" cross == lib.renameCrossIndexTo "p" cross;

  pkgsetScopeNames = b.attrNames scope;
  pkgsetScopeValues = { inherit (scope) a b; sum = scope.sum.v; pkgName = scope.pkg.name; };
  pkgsetScopeCall = [ (scope.callPackage ({ a, b }: a + b) { }) (scope.callPackage ({ a, b }: a + b) { a = 2; }) ];
  pkgsetScopeOverride = { inherit (scope2) a b; sum = scope2.sum.v; extra = scope2.sum.extra; pkgName = scope2.pkg.name; };
  pkgsetScopeOverrideTwice = { inherit (scope3) a b; sum = scope3.sum.v; names = b.attrNames scope3; };
  pkgsetScopeOriginalKept = { inherit (scope) a b; sum = scope.sum.v; };
  pkgsetScopeNewScope = [ (child ({ a, c }: a + c) { }) (child ({ b, c ? 0 }: b + c) { c = 1; }) ];
  pkgsetScopePackages = b.attrNames (scope.packages scope);
  pkgsetScopeOwnCallPackage = (lib.makeScope lib.callPackageWith (self: { callPackage = x: y: "mine"; newScope = "kept?"; })).callPackage 1 2;
  pkgsetScopeNewScopeNotOverridable = b.isFunction (lib.makeScope lib.callPackageWith (self: { newScope = "no"; })).newScope;
  pkgsetScopeOverrideArg = (scope.sum.override { a = 5; }).v;
  pkgsetScopeOverrideFn = (scope.sum.override (old: { a = old.a * 10; })).v;

  pkgsetScopeLazy = b.attrNames (lib.makeScope lib.callPackageWith (self: { bad = throw "lazy"; good = self.callPackage ({ bad ? 1 }: 2) { }; }));
  pkgsetExtendPassthruWins = let e = lib.extendDerivation true { out = "replaced"; all = "mine"; } twoOut; in
    [ e.out e.all e.dev.out e.dev.all (b.length e.dev.outputs) ];
  pkgsetHydraSingleOutput = let j = lib.hydraJob (mkPkg "solo" { } // { meta = { }; }); in
    { names = b.attrNames j; outputs = j.outputs; path = j.out.outPath; };

  pkgsetCallPackagesNames = b.attrNames multi;
  pkgsetCallPackagesValues = [ multi.p.v multi.q.v (multi.p.override { x = 10; }).v (multi.q.override { z = 9; }).v ];
  pkgsetCallPackagesFile = b.attrNames (lib.callPackagesWith { } ./pkgs-dir/app/package.nix { hello = { text = "h"; }; world = { text = "w"; }; });
  pkgsetCallPackagesSingle = ok (lib.callPackagesWith { } ({ }: mkPkg "single" { }) { });
  pkgsetCallPackagesSingleNames = ok (b.attrNames (lib.callPackagesWith { } ({ }: mkPkg "single" { }) { }));

  pkgsetExtendNames = b.attrNames ext;
  pkgsetExtendValues = {
    foo = ext.foo;
    devFoo = ext.dev.foo;
    devName = ext.dev.outputName;
    outName = ext.outputName;
    samePaths = [ (ext.outPath == twoOut.outPath) (ext.dev.outPath == twoOut.dev.outPath) (ext.drvPath == twoOut.drvPath) (ext.dev.drvPath == twoOut.drvPath) ];
    all = map (o: o.outputName) ext.all;
    allFoo = map (o: o.foo) ext.all;
    specified = [ (ext.outputSpecified or "none") ext.dev.outputSpecified ext.out.outputSpecified ];
    devNames = b.attrNames ext.dev;
    devOverride = ext.dev.overrideAttrs "x";
    outOverride = ext.out.overrideAttrs "y";
    type = ext.dev.type;
    isDrv = lib.isDerivation ext.dev;
    paths = [ ext.outPath ext.dev.outPath ext.drvPath ];
  };
  pkgsetExtendAssert = [ (ok extBad.outPath) (ok extBad.drvPath) (ok extBad.dev.outPath) (ok extBad.name) (ok extBad.foo) (ok "${extBad}") ];
  pkgsetExtendNoOverrideAttrs = (lib.extendDerivation true { } twoOut).dev ? overrideAttrs;

  pkgsetOverrideDrvValues = {
    inherit (over) foo name;
    m = over.meta.m;
    pt = over.pt;
    ptIn = over.passthru.pt;
    paths = [ over.outPath over.drvPath ];
    differs = over.drvPath != base.drvPath;
    names = b.attrNames over;
  };
  pkgsetOverrideDrvSame = (lib.overrideDerivation (mkPkg "same" { }) (old: { })).drvPath == (mkPkg "same" { }).drvPath;
  pkgsetOverrideDrvBroken = [ (ok overOfBroken.name) (ok overOfBroken.outPath) ];
  pkgsetOverrideDrvOutputs = let o = lib.overrideDerivation twoOut (old: { name = "three"; }); in
    [ o.dev.outPath o.name (map (x: x.outputName) o.all) ];

  pkgsetHydraJob = {
    names = b.attrNames job;
    devNames = b.attrNames job.dev;
    inherit (job) name system meta outputs outputName type;
    paths = [ job.outPath job.drvPath job.dev.outPath job.dev.drvPath ];
    junkGone = job ? junk;
  };
  pkgsetHydraNull = lib.hydraJob null;
  pkgsetHydraStrict = ok (lib.hydraJob (forHydra // { meta = { bad = throw "strict"; }; }));
  pkgsetHydraAggregate = {
    names = b.attrNames aggregate;
    constituents = map (c: c.name) aggregate.constituents;
    constituentNames = map b.attrNames aggregate.constituents;
  };

  pkgsetLazyLaziness = {
    type = lazyBroken.type;
    names = b.attrNames lazyBroken;
    foo = (lazyBroken // { foo = true; }).foo;
    meta = (lib.lazyDerivation { derivation = throw "no"; meta.foo = true; }).meta;
    metaNull = (lib.lazyDerivation { derivation = throw "no"; meta = null; }).meta;
    passthru = (lib.lazyDerivation { derivation = throw "no"; passthru.tests = 3; }).tests;
    outPathOk = ok lazyBroken.outPath;
    outputs = (lib.lazyDerivation { derivation = throw "no"; outputs = [ "out" "lib" ]; }).outputs;
    outputNames = b.attrNames (lib.lazyDerivation { derivation = throw "no"; outputs = [ "out" "lib" ]; });
  };
  pkgsetLazyValues = {
    names = b.attrNames lazyOk;
    paths = [ lazyOk.outPath lazyOk.drvPath lazyOk.dev.outPath ];
    inherit (lazyOk) name system outputName tests meta;
    isDrv = lib.isDerivation lazyOk;
  };
  pkgsetLazyChecks = [
    (ok (lib.lazyDerivation { derivation = twoOut; }).outPath)
    (ok (lib.lazyDerivation { derivation = { type = "nope"; outputs = [ "out" ]; }; }).name)
    (ok (lib.lazyDerivation { derivation = mkPkg "fine" { outputs = [ "out" ]; }; }).outPath)
    (ok (lib.lazyDerivation { derivation = twoOut; }).type)
  ];
  pkgsetLazyNamespace = (lib.derivations.lazyDerivation { derivation = throw "x"; }).type;

  pkgsetToDerivation = {
    names = b.attrNames asDrv;
    inherit (asDrv) name type outputs outputName;
    same = asDrv.outPath == stored;
    outName = asDrv.out.name;
    isDrv = lib.isDerivation asDrv;
    interpolated = "${asDrv}" == stored;
    viaAttrsets = (lib.attrsets.toDerivation stored).name;
    hasContext = b.hasContext asDrv.outPath;
  };

  pkgsetDirNames = b.attrNames fromDir;
  pkgsetDirValues = {
    hello = fromDir.hello.text;
    world = fromDir.world.text;
    worldPath = fromDir.world.outPath;
    helloDrv = fromDir.hello.drvPath;
    app = fromDir.app.parts;
    recurse = fromDir.recurseForDerivations;
    toolsNames = b.attrNames fromDir.tools;
    fmt = fromDir.tools.fmt.text;
    lint = removeAttrs fromDir.tools.lint [ "override" "overrideDerivation" ];
    toolsRecurse = fromDir.tools.recurseForDerivations;
    odd = okDeep (b.attrNames fromDir.odd);
  };
  pkgsetDirOverride = {
    hello = fromDirOver.hello.text;
    world = fromDirOver.world.text;
    app = fromDirOver.app.parts;
    fmt = fromDirOver.tools.fmt.text;
    names = b.attrNames fromDirOver;
  };
  pkgsetDirPlain = {
    names = b.attrNames plain;
    world = plain.world.text;
    toolsNames = b.attrNames plain.tools;
    fmt = plain.tools.fmt.text;
    lint = plain.tools.lint.uses;
    app = plain.app.parts;
    recurse = plain ? recurseForDerivations;
  };
  pkgsetDirSingle = (lib.filesystem.packagesFromDirectoryRecursive {
    callPackage = lib.callPackageWith { hello = { text = "h"; }; world = { text = "w"; }; };
    directory = ./pkgs-dir/app;
  }).parts;
  pkgsetDirNoNewScope = ok (lib.packagesFromDirectoryRecursive { callPackage = lib.callPackageWith { }; directory = ./pkgs-dir/tools; newScope = throw "x"; }).fmt;

  pkgsetSplicing = {
    names = b.attrNames spliced;
    b2 = spliced.b2;
    seen = spliced.callPackage ({ fromExtra, kept, spliceMark, targetMark, a }: [ fromExtra kept spliceMark targetMark a ]) { };
    fromNew = spliced.newScope { a = 9; } ({ a, kept }: [ a kept ]) { };
    overridden = (spliced.overrideScope (final: prev: { a = 2; })).b2;
    overriddenKept = (spliced.overrideScope (final: prev: { a = 3; })).callPackage ({ kept }: kept) { };
    old = [ splicedOld.z (splicedOld.callPackage ({ z, spliceMark }: "${toString z}${spliceMark}") { }) ];
    oldNames = b.attrNames splicedOld;
  };

  pkgsetCrossIndex = {
    from = lib.renameCrossIndexFrom "pkgs" (lib.renameCrossIndexTo "pkgs" cross);
    to = lib.renameCrossIndexTo "self" cross;
    mapped = lib.mapCrossIndex (x: x * 10) cross;
    lazy = (lib.mapCrossIndex (x: x * 10) (cross // { hostHost = throw "lazy"; })).buildBuild;
    lazyRename = (lib.renameCrossIndexFrom "self" { selfBuildBuild = 1; }).buildBuild;
    renameNames = b.attrNames (lib.renameCrossIndexFrom "x" { });
    args = lib.functionArgs (lib.mapCrossIndex lib.id);
  };

  pkgsetExtendMkDerivation = {
    args = lib.functionArgs mkLocal;
    direct = removeAttrs (mkLocal { pname = "a"; version = "1"; special = 3; }) [ ];
    fixed = (mkLocal (final: { pname = "b"; version = "2"; local = false; greeting = "hi ${final.pname}"; })).attrs;
    names = b.attrNames mkLocal;
    excluded = mkLocal.excludeDrvArgNames;
    args2 = lib.functionArgs mkLocal2;
    result2 = mkLocal2 { pname = "c"; version = "3"; new = 5; };
    isFunction = lib.isFunction mkLocal;
  };
}
