# Cases for the module-system and option helpers of lib-missing.txt that
# the stand-in now provides (modules.nix, options.nix), called as module
# authors call them. Compared between the real lib and the stand-in.
{ lib }:
let
  inherit (lib) mkOption types;
  ok = v: (builtins.tryEval (builtins.deepSeq v v)).success;
  eval = modules: (lib.evalModules { inherit modules; }).config;
  evalO = modules: (lib.evalModules { inherit modules; }).options;
  warningsModule = { options.warnings = mkOption { type = types.listOf types.str; default = [ ]; }; };
  newOpt = { options.new.value = mkOption { type = types.int; default = 0; }; };
  listOpt = { options.items = mkOption { type = types.listOf types.str; default = [ ]; }; };
in
{
  # mkRenamedOptionModuleWith: old definitions go to the new option; a
  # warning only when the rename is older than the oldest supported release.
  modulesRenamedWithOld = let c = eval [ warningsModule newOpt
    (lib.mkRenamedOptionModuleWith { from = [ "old" "value" ]; to = [ "new" "value" ]; sinceRelease = 2305; })
    { _file = "user.nix"; old.value = 3; } ]; in { inherit (c) warnings; v = c.new.value; };
  modulesRenamedWithNew = let c = eval [ warningsModule newOpt
    (lib.mkRenamedOptionModuleWith { from = [ "old" "value" ]; to = [ "new" "value" ]; sinceRelease = 9999; })
    { old.value = 4; } ]; in { inherit (c) warnings; v = c.new.value; };
  modulesRenamedWithUnused = let c = eval [ warningsModule newOpt
    (lib.mkRenamedOptionModuleWith { from = [ "old" "value" ]; to = [ "new" "value" ]; sinceRelease = 2305; })
    { new.value = 5; } ]; in { inherit (c) warnings; v = c.new.value; old = c.old.value; };
  modulesRenamedWithNoWarnings = (eval [ newOpt
    (lib.mkRenamedOptionModuleWith { from = [ "old" ]; to = [ "new" "value" ]; sinceRelease = 2305; })
    { old = 6; } ]).new.value;
  modulesRenamedWithPrio = (eval [ newOpt
    (lib.mkRenamedOptionModuleWith { from = [ "old" ]; to = [ "new" "value" ]; sinceRelease = 2305; })
    { old = lib.mkDefault 6; } { new.value = 7; } ]).new.value;
  modulesRenamedWithForce = (eval [ newOpt
    (lib.mkRenamedOptionModuleWith { from = [ "old" ]; to = [ "new" "value" ]; sinceRelease = 2305; })
    { old = lib.mkForce 8; } { new.value = 7; } ]).new.value;
  modulesRenamedWithOptionInfo = let o = evalO [ newOpt
    (lib.mkRenamedOptionModuleWith { from = [ "old" ]; to = [ "new" "value" ]; sinceRelease = 2305; }) ];
    in { inherit (o.old) visible; type = o.old.type.name; };
  # (sorted: the real lib merges sibling modules' definitions in another
  # order than the stand-in, whatever the rename)
  modulesRenamedWithList = lib.sort (x: y: x < y) (eval [ listOpt
    (lib.mkRenamedOptionModuleWith { from = [ "oldItems" ]; to = [ "items" ]; sinceRelease = 2405; })
    { oldItems = [ "a" ]; } { items = [ "b" ]; } ]).items;
  modulesRenamedWithSubmodule = (eval [
    { options.sub = mkOption { type = types.submodule { imports = [ { options.n = mkOption { type = types.int; }; }
      (lib.mkRenamedOptionModuleWith { from = [ "o" ]; to = [ "n" ]; sinceRelease = 2305; }) ]; }; }; }
    { sub.o = 3; } ]).sub.n;

  # mkAliasOptionModuleMD: like mkAliasOptionModule, no warning.
  modulesAliasMD = let c = eval [ warningsModule newOpt
    (lib.mkAliasOptionModuleMD [ "alias" ] [ "new" "value" ]) { alias = 9; } ];
    in { inherit (c) warnings; v = c.new.value; a = c.alias; };
  modulesAliasMDVisible = (evalO [ newOpt (lib.modules.mkAliasOptionModuleMD [ "alias" ] [ "new" "value" ]) ]).alias.visible;

  # mkDefinition: a definition carrying its own file.
  modulesDefinition = let o = evalO [ newOpt
    { new.value = lib.mkDefinition { file = "elsewhere.nix"; value = 11; }; } ];
    in { inherit (o.new.value) value files; };
  modulesDefinitionForce = let o = evalO [ newOpt
    { _file = "a.nix"; new.value = 1; }
    { new.value = lib.mkDefinition { file = "b.nix"; value = lib.mkForce 2; }; } ];
    in { inherit (o.new.value) value files; };
  modulesDefinitionList = (eval [ listOpt
    { items = lib.mkMerge [ [ "x" ] (lib.modules.mkDefinition { file = "f.nix"; value = [ "y" ]; }) ]; } ]).items;
  modulesDefinitionAttrs = (eval [ { options.m = mkOption { type = types.attrsOf types.int; }; }
    { m.a = lib.mkDefinition { file = "x.nix"; value = 1; }; m.b = 2; } ]).m;
  modulesDefinitionShape = lib.mkDefinition { file = "f"; value = 1; extra = true; };

  # mkAssert: a condition that fails with its message when false.
  modulesAssertTrue = (eval [ newOpt { new.value = lib.mkAssert true "never" 12; } ]).new.value;
  modulesAssertFalse = ok (eval [ newOpt { new.value = lib.mkAssert false "must hold" 12; } ]).new.value;
  modulesAssertNs = (eval [ newOpt { new.value = lib.mkMerge [ (lib.modules.mkAssert (1 < 2) "x" 13) ]; } ]).new.value;
  modulesAssertShape = lib.mkAssert true "m" 1;

  # mkAliasIfDef / mkAliasAndWrapDefsWithPriority, through `options`.
  modulesAliasIfDef = let c = eval [ newOpt listOpt
    ({ options, ... }: { items = lib.modules.mkAliasIfDef options.new.value [ "set" ]; })
    { new.value = 1; } ]; in c.items;
  modulesAliasIfDefUnset = (eval [ newOpt listOpt
    ({ options, ... }: { items = lib.modules.mkAliasIfDef options.new.value [ "set" ]; }) ]).items;
  modulesAliasWrapPrio = let c = eval [ newOpt
    { options.copy = mkOption { type = types.int; default = 0; }; }
    ({ options, ... }: { copy = lib.modules.mkAliasAndWrapDefsWithPriority (x: x) options.new.value; })
    { new.value = lib.mkDefault 3; } { copy = 4; } ]; in { inherit (c) copy; };
  modulesAliasWrapPrioForce = (eval [ newOpt
    { options.copy = mkOption { type = types.int; default = 0; }; }
    ({ options, ... }: { copy = lib.modules.mkAliasAndWrapDefsWithPriority (x: x) options.new.value; })
    { new.value = lib.mkForce 3; } { copy = 4; } ]).copy;

  # setDefaultModuleLocation: the file reported for definitions.
  modulesDefaultLocation = (evalO [ newOpt
    (lib.setDefaultModuleLocation "my-file.nix" { new.value = 2; }) ]).new.value.files;
  modulesDefaultLocationNs = (evalO [ newOpt
    (lib.modules.setDefaultModuleLocation "/some/where.nix" ({ ... }: { config.new.value = 3; })) ]).new.value.files;
  modulesDefaultLocationShape = lib.setDefaultModuleLocation "f" { a = 1; };

  # Option documentation helpers.
  modulesLiteralCode = lib.options.literalCode "nix" "{ a = 1; }";
  modulesLiteralCodeMulti = lib.options.literalCode "toml" "a = 1\nb = 2";
  modulesScrub = lib.scrubOptionValue { a = [ 1 { _args = 1; b = "x"; } ]; c = { _args = { }; }; d = null; };
  modulesScrubNs = lib.options.scrubOptionValue [ { type = "derivation"; name = "hello-1.0"; outPath = "/x"; } true ];
  modulesShowDefLocs = lib.showOptionWithDefLocs (evalO [ newOpt
    { _file = "a.nix"; new.value = 1; } { _file = "b.nix"; new.value = lib.mkDefault 2; } ]).new.value;
  modulesShowDefLocsNs = lib.options.showOptionWithDefLocs { loc = [ "x" "a b" ]; files = [ "1.nix" "2.nix" ]; };
  modulesShowDefLocsNone = lib.showOptionWithDefLocs { loc = [ "x" ]; files = [ ]; };
  modulesRenderLiteral = lib.options.renderOptionValue (lib.literalExpression "pkgs.hello");
  modulesRenderValue = lib.options.renderOptionValue { a = 1; b = [ "x" true ]; };
  modulesRenderString = lib.options.renderOptionValue "text";
  modulesUnknownModule = [ lib.unknownModule lib.options.unknownModule ];

  # Lower-level functions.
  modulesPushDown = lib.pushDownProperties (lib.mkMerge [
    { a = 1; } (lib.mkIf true { b = 2; c = 3; }) (lib.mkForce { d = 4; }) 5 ]);
  modulesPushDownNs = lib.modules.pushDownProperties (lib.mkIf false (lib.mkMerge [ { x = 1; } ]));
  modulesPushDownOrder = lib.pushDownProperties (lib.mkBefore { a = 1; });
  modulesDischarge = lib.dischargeProperties (lib.mkMerge [ 1 (lib.mkIf true 2) (lib.mkIf true (lib.mkIf false 3)) (lib.mkForce 4) ]);
  modulesDischargeBad = ok (lib.modules.dischargeProperties (lib.mkIf "yes" 1));
  modulesFilterOverrides = lib.modules.filterOverrides' [
    { file = "/1"; value = lib.mkOverride 10 "a"; } { file = "/2"; value = lib.mkOverride 20 "b"; }
    { file = "/3"; value = "z"; } { file = "/4"; value = lib.mkOverride 10 "d"; } ];
  modulesFilterOverridesOne = lib.modules.filterOverrides' [ { file = "/1"; value = lib.mkDefault 1; } ];
  modulesFilterOverridesPlain = lib.modules.filterOverrides' [ { file = "/1"; value = 1; } { file = "/2"; value = 2; } ];
  modulesMapDefinitionValue = lib.modules.mapDefinitionValue (x: x + 1) (lib.mkMerge [ 1 (lib.mkIf true (lib.mkForce 2)) (lib.mkBefore 3) ]);
  modulesMapDefinitionValueDef = lib.modules.mapDefinitionValue (x: x * 2) (lib.mkDefinition { file = "f"; value = lib.mkDefault 5; });
  modulesMapDefinitionValuePlain = lib.modules.mapDefinitionValue (x: [ x ]) "v";
  modulesMergeDefinitions = let m = lib.mergeDefinitions [ "a" ] (types.listOf types.int) [
    { file = "1"; value = [ 1 ]; } { file = "2"; value = lib.mkBefore [ 2 ]; } { file = "3"; value = lib.mkDefault [ 3 ]; } ];
    in { inherit (m) mergedValue isDefined optionalValue; inherit (m.defsFinal') highestPrio; n = builtins.length m.defsFinal; };
  modulesMergeDefinitionsOne = let m = lib.modules.mergeDefinitions [ "a" ] types.int [ { file = "1"; value = 3; } ];
    in { inherit (m) mergedValue isDefined defsFinal'; };
  modulesMergeDefinitionsNone = let m = lib.mergeDefinitions [ "a" ] types.int [ { file = "1"; value = lib.mkIf false 3; } ];
    in { inherit (m) isDefined optionalValue; v = ok m.mergedValue; };
  modulesMergeDefinitionsEmpty = (lib.mergeDefinitions [ "a" ] (types.attrsOf types.int) [ ]).mergedValue;
  modulesMergeDefinitionsBadType = ok (lib.mergeDefinitions [ "a" ] types.int [ { file = "1"; value = "s"; } ]).mergedValue;
  modulesMergeDefinitionsForce = (lib.mergeDefinitions [ "a" ] types.str [
    { file = "1"; value = "x"; } { file = "2"; value = lib.mkForce "y"; } ]).mergedValue;
  modulesEvalOptionValue = let o = lib.modules.evalOptionValue [ "o" ] (mkOption { type = types.int; default = 1; } // { declarations = [ "d.nix" ]; })
    [ { file = "u.nix"; value = 2; } ]; in { inherit (o) value isDefined highestPrio definitions files; s = "${o}"; };
  modulesEvalOptionValueTop = (lib.evalOptionValue [ "o" ] (mkOption { type = types.int; } // { declarations = [ ]; })
    [ { file = "a"; value = 1; } ]).value;
  modulesEvalOptionValueDefault = let o = lib.modules.evalOptionValue [ "o" ] (mkOption { type = types.int; default = 1; apply = x: x * 10; } // { declarations = [ "d.nix" ]; })
    [ ]; in { inherit (o) value isDefined highestPrio files; };
  modulesEvalOptionValueReadOnly = ok (lib.modules.evalOptionValue [ "o" ] (mkOption { type = types.int; readOnly = true; })
    [ { file = "a"; value = 1; } { file = "b"; value = 2; } ]).value;
  modulesMergeAttrPrio = let o = (evalO [
    { options.m = mkOption { type = types.attrsOf types.int; }; }
    { m = { a = lib.mkDefault 1; b = 2; }; } { m.a = lib.mkForce 3; } ]).m;
    in lib.modules.mergeAttrDefinitionsWithPrio o;
  modulesMergeAttrPrioLazy = let o = (evalO [
    { options.m = mkOption { type = types.lazyAttrsOf types.str; }; }
    { m = lib.mkIf true { x = "1"; }; } { m = lib.mkDefault { y = "2"; }; } ]).m;
    in lib.modules.mergeAttrDefinitionsWithPrio o;
  modulesMergeAttrPrioNotAttrs = ok (lib.modules.mergeAttrDefinitionsWithPrio (evalO [ newOpt ]).new.value);
  modulesUnify = lib.unifyModuleSyntax "f.nix" "k" { a = 1; imports = [ ]; require = [ ]; _file = "g.nix"; };
  modulesUnifyFull = lib.modules.unifyModuleSyntax "f.nix" "k" { options = { }; config.a = 1; key = "kk"; _class = "nixos"; };
  modulesUnifyMeta = builtins.attrNames (lib.unifyModuleSyntax "f.nix" "k" { config = { }; meta.x = 1; freeformType = null; }).config;
  modulesUnifyBad = ok (lib.unifyModuleSyntax "f.nix" "k" { config = { }; services.x = 1; });
  modulesUnifyNotModule = ok (lib.unifyModuleSyntax "f.nix" "k" 3);
  modulesApplyArgs = lib.applyModuleArgsIfFunction "k" ({ a, config, ... }: { x = a; y = config.z; })
    { config = { z = 2; _module.args = { }; }; a = 1; };
  modulesApplyArgsFromConfig = lib.modules.applyModuleArgsIfFunction "k" ({ b, ... }: b)
    { config._module.args.b = "from-config"; };
  modulesApplyArgsNotFunction = lib.applyModuleArgsIfFunction "k" { plain = true; } { config = { }; };
}
