# Cases for lib.makeOverridable and lib.callPackageWith (and what builds
# on them: callPackagesWith, the overriders of a package), compared between
# the real lib and nixplan's stand-in (parser/nixos/nix/lib.nix).
# A required argument that callPackageWith cannot supply aborts, which
# tryEval cannot catch: that message is compared outside these cases.
# Fixture: ./pkgs-dir.
{ lib }:
let
  b = builtins;
  inherit (import ./case-helpers.nix) ok okDeep mkPkg;

  # A toy of stdenv.mkDerivation: a derivation with an `overrideAttrs`
  # that re-makes it from changed attributes.
  mkToy = attrs:
    mkPkg "toy-${attrs.pname}" { inherit (attrs) flags; }
    // { inherit (attrs) pname flags; overrideAttrs = change: mkToy (attrs // change attrs); };

  toyFn = { pname ? "t", extra ? [ ] }: mkToy { inherit pname; flags = [ "-O" ] ++ extra; };
  toy = lib.makeOverridable toyFn { };
  toyAttrs = toy.overrideAttrs (old: { flags = old.flags ++ [ "-g" ]; });
  toyAttrsOver = toyAttrs.override { pname = "u"; extra = [ "-x" ]; };
  toyOverAttrs = (toy.override { pname = "v"; }).overrideAttrs (old: { flags = [ "only" ]; });
  toyOverDrv = toy.overrideDerivation (old: { name = "od-${old.name}"; });
  toyOverDrvOver = toyOverDrv.override { pname = "w"; };

  showToy = p: { inherit (p) name drvPath; pname = p.pname or null; flags = p.flags or null; out = p.outPath; overridable = [ (p ? override) (p ? overrideDerivation) (p ? overrideAttrs) ]; };

  plainSum = lib.makeOverridable ({ a, b ? 2 }: { sum = a + b; }) { a = 1; };

  # A set result with an overrideAttrs of its own (not a derivation).
  fakeAttrs = lib.makeOverridable ({ a }: { inherit a; overrideAttrs = g: { a2 = g a; }; }) { a = 1; };

  # Callable sets, with and without their own override.
  callableSet = { __functor = self: { a, b ? 1 }: { s = a + b + self.k; }; k = 100; extra = "x"; };
  callableArgs = { __functor = self: args: { n = b.attrNames args; }; __functionArgs = { p = false; q = true; }; tag = 1; };
  callableOwnOverride = { __functor = self: x: x; tag = "own"; override = g: ({ a }: { v = a * g; }); };

  fnResult = lib.makeOverridable ({ a }: { c }: a + c) { a = 1; };

  cpw = lib.callPackageWith { a = 5; b = 7; mkPkg = mkPkg; unused = throw "not wanted"; };
  cpDrv = cpw ({ mkPkg, a, tag ? "t" }: mkPkg "cp-${toString a}-${tag}" { }) { };
  cpSet = cpw ({ a, b, c ? 1 }: { inherit a b c; }) { b = 9; };

  multi = lib.callPackagesWith { x = 1; y = 2; } ({ x, y, z ? 3 }: {
    p = mkPkg "multi-p-${toString (x + y)}" { };
    q = { v = z; };
  }) { y = 20; };
in
{
  # ---- what results carry ----
  overridableNamesSet = b.attrNames plainSum;
  overridableNamesOverridden = b.attrNames (plainSum.override { a = 3; });
  overridableNamesDrv = b.attrNames toy;
  overridableNamesNoOverrideAttrs = b.attrNames (lib.makeOverridable ({ }: mkPkg "p" { }) { });
  overridableNamesWrapper = b.attrNames (lib.makeOverridable ({ a }: a));
  overridableNamesCallPackage = [ (b.attrNames cpSet) (b.attrNames cpDrv) ];
  overridableIsDerivation = [ (lib.isDerivation toy) (lib.isDerivation cpDrv) (lib.isDerivation toyAttrs) (lib.isDerivation toyOverDrv) ];
  overridableScalar = [ (lib.makeOverridable ({ a }: a + 1) { a = 1; }) (cpw ({ a }: a * 2) { }) ];
  overridableNull = lib.makeOverridable ({ }: null) { };
  overridableList = lib.makeOverridable ({ a }: [ a a ]) { a = 4; };

  # ---- override ----
  overridableOverrideSet = [ plainSum.sum (plainSum.override { a = 10; }).sum (plainSum.override { b = 10; }).sum ];
  overridableOverrideFn = [
    (plainSum.override (old: { a = old.a * 7; })).sum
    ((plainSum.override (old: { b = old.a + 1; })).override (old: { a = old.b * 3; })).sum
  ];
  overridableOverrideChain = ((plainSum.override { a = 2; }).override { b = 3; }).sum;
  overridableOverrideFunctionArgs = [
    plainSum.override.__functionArgs
    cpSet.override.__functionArgs
    toy.override.__functionArgs
    (lib.functionArgs plainSum.override)
    (lib.functionArgs (lib.makeOverridable ({ a, b ? 2 }: a)))
    (lib.functionArgs (lib.makeOverridable callableSet))
    (lib.functionArgs (lib.makeOverridable callableArgs))
  ];
  overridableOverrideIsFunction = [ (lib.isFunction plainSum.override) (b.isFunction plainSum.override) (b.isAttrs plainSum.override) ];
  overridableOverrideFunctorArg = (plainSum.override { __functor = self: old: { a = 50; }; }).sum or "no-sum";
  overridableDefaults = let d = lib.makeOverridable ({ a ? 1, b ? 2 }: { s = a + b; }) { }; in
    [ d.s (d.override { b = 5; }).s (d.override (o: { a = 10; })).s (lib.functionArgs (lib.makeOverridable ({ a ? 1, b ? 2 }: a))) ];
  overridableDefaultsCall = ((lib.makeOverridable ({ a ? 1, b ? 2 }: { s = a + b; })) { b = 3; }).s;
  overridableEllipsis = let e = lib.makeOverridable (args@{ a, ... }: { n = b.attrNames args; }) { a = 1; z = 2; }; in
    [ e.n (e.override { y = 3; }).n e.override.__functionArgs ];

  # ---- overrideDerivation ----
  overridableOverrideDerivation = showToy toyOverDrv;
  overridableOverrideDerivationOverride = showToy toyOverDrvOver;
  overridableOverrideDerivationTwice = (toyOverDrv.overrideDerivation (old: { name = old.name + "-2"; })).name;
  overridableOverrideDerivationCall = let d = cpDrv.overrideDerivation (old: { extra = "e"; }); in
    { inherit (d) name drvPath; o = (d.override { a = 6; }).drvPath; has = [ (d ? override) (d ? overrideDerivation) ]; };

  # ---- overrideAttrs ----
  overridableToy = showToy toy;
  overridableOverrideAttrs = showToy toyAttrs;
  overridableOverrideAttrsThenOverride = showToy toyAttrsOver;
  overridableOverrideThenOverrideAttrs = showToy toyOverAttrs;
  overridableOverrideAttrsTwice = showToy ((toyAttrs.overrideAttrs (old: { pname = "twice"; })).override { extra = [ "-y" ]; });
  overridableFakeOverrideAttrs = [ (fakeAttrs.overrideAttrs (x: x + 1)).a2 ((fakeAttrs.overrideAttrs (x: x + 1)).override { a = 10; }).a2 (b.attrNames (fakeAttrs.overrideAttrs (x: x))) ];

  # ---- callable sets ----
  overridableCallableNames = b.attrNames (lib.makeOverridable callableSet);
  overridableCallableExtra = let m = lib.makeOverridable callableSet; in [ m.k m.extra (m ? override) ];
  overridableCallableCall = let r = lib.makeOverridable callableSet { a = 1; }; in [ r.s (r.override { b = 10; }).s (b.attrNames r) ];
  overridableCallableArgs = let m = lib.makeOverridable callableArgs; in [ m.tag (m { p = 1; }).n ((m { p = 1; }).override { q = 2; }).n m.__functionArgs ];
  overridableCallableOwnOverride = let m = lib.makeOverridable callableOwnOverride; o = m.override 3; in
    [ m.tag (b.attrNames m) (b.attrNames o) (o { a = 2; }).v ((o { a = 2; }).override { a = 5; }).v (m 7) ];
  overridableCallableCallPackage = [ (cpw callableSet { }).s ((cpw callableSet { }).override { a = 0; }).s (cpw callableArgs { p = 0; }).n ];

  # ---- a function result ----
  overridableFnResult = [ (fnResult { c = 2; }) ((fnResult.override { a = 5; }) { c = 2; }) (lib.functionArgs fnResult) (b.attrNames fnResult) (lib.isFunction fnResult) ];

  # ---- callPackageWith ----
  overridableCallPackageSet = [ cpSet.a cpSet.b cpSet.c (cpSet.override { c = 4; }).c (cpSet.override (o: { a = o.a + o.b; })).a ];
  overridableCallPackageDrv = [ cpDrv.name cpDrv.drvPath (cpDrv.override { tag = "u"; }).name (cpDrv.override { a = 9; }).outPath ];
  overridableCallPackageDefaultsOnly = (cpw ({ zz ? 3, a }: { v = zz + a; }) { }).v;
  overridableCallPackageExplicit = (cpw ({ zz }: { v = zz; }) { zz = 8; }).v;
  overridableCallPackageFile = [
    (lib.callPackageWith { inherit mkPkg; } ./pkgs-dir/hello.nix { }).text
    (lib.callPackageWith { inherit mkPkg; } ./pkgs-dir/hello.nix { }).override.__functionArgs
    ((lib.callPackageWith { inherit mkPkg; } ./pkgs-dir/hello.nix { }).override { greeting = "hey"; }).drvPath
  ];
  overridableCallPackageLazyUnwanted = ok cpSet.a;
  overridableCallPackageLazyWanted = (lib.callPackageWith { a = throw "unused"; } ({ a, b ? 1 }: { v = b; }) { }).v;
  overridableCallPackageLazyResult = (cpw ({ a }: { bad = throw "lazy"; good = a; }) { }).good;
  overridableCallPackageThrowingFn = ok (cpw ({ a }: throw "inside") { });

  # ---- laziness of makeOverridable ----
  overridableLazyAttr = (lib.makeOverridable ({ a }: { x = throw "lazy"; y = a; }) { a = 1; }).y;
  overridableLazyArgs = (lib.makeOverridable ({ a, b }: { y = a; }) { a = 1; b = throw "unused"; }).y;
  overridableLazyOverride = ((lib.makeOverridable ({ a, b }: { y = a; }) { a = 1; b = 2; }).override { b = throw "unused"; }).y;
  overridableThrowingResult = [ (ok (lib.makeOverridable ({ }: throw "x") { })) (ok (lib.makeOverridable (throw "f"))) (ok (b.attrNames (lib.makeOverridable ({ }: { }) { }))) ];
  overridableDeep = okDeep (plainSum.override { a = 0; }).sum;

  # ---- callPackagesWith ----
  overridableCallPackages = {
    names = b.attrNames multi;
    pNames = b.attrNames multi.p;
    p = multi.p.drvPath;
    pOver = (multi.p.override { x = 10; }).drvPath;
    pOverFn = (multi.p.override (o: { y = o.y + 1; })).name;
    pOverDrv = (multi.p.overrideDerivation (old: { name = "renamed"; })).name;
    pOverDrvOver = ((multi.p.overrideDerivation (old: { name = "r-" + old.name; })).override { x = 2; }).name;
    q = [ multi.q.v (multi.q.override { z = 9; }).v (b.attrNames multi.q) ];
    argsOfOverride = multi.p.override.__functionArgs;
  };
}
