# Option types of nixpkgs' lib.types that nixplan's stand-in added late
# (attrListOf, attrTag, json, pathWith, mergeTypes...): their names,
# descriptions, checks, and the values evalModules merges with them, each
# with a JSON result. Evaluated with the real lib (by nix) and with
# nixplan's stand-in lib (parser/nixos/nix/lib.nix, by nix and by nixplan):
# the three results must be equal.
{ lib }:
let
  t = lib.types;
  inherit (lib) mkOption mkIf mkMerge mkOrder mkBefore mkAfter mkDefault mkForce mkOverride;
  ok = v: (builtins.tryEval (builtins.deepSeq v v)).success;
  # An option `x` of `type` with the definitions `defs`, in one module
  # (the real module system lists the definitions of several modules in
  # reverse, the stand-in in order).
  evalWith = type: defs:
    (lib.evalModules { modules = [ { options.x = mkOption { inherit type; }; } { x = mkMerge defs; } ]; }).config.x;
  # The same, one module each: where the order does not show.
  evalApart = type: defs:
    (lib.evalModules { modules = [ { options.x = mkOption { inherit type; }; } ] ++ map (d: { x = d; }) defs; }).config.x;
  about = type: { inherit (type) name description; descriptionClass = type.descriptionClass or null; };
  checks = type: map type.check;
  store = builtins.storeDir;
  # attrTag's choices.
  leftRight = t.attrTag {
    left = mkOption { type = t.int; };
    right = mkOption { type = t.str; };
  };
  withDefaults = t.attrTag {
    count = mkOption { type = t.int; apply = n: n * 10; };
    names = mkOption { type = t.attrsOf t.str; default = { }; };
    nested = mkOption { type = leftRight; };
  };
  strList = t.attrListOf t.str;
  intList = t.attrListOf t.int;
in
{
  typesJson = {
    about = about t.json;
    checks = checks t.json [ null true 1 1.5 "s" { a = [ 1 { b = null; } ]; } [ 1 "a" ] (x: x) { a = x: x; } ];
    merged = evalWith t.json [ { a = 1; l = [ 1 ]; s.x = null; } { b = "x"; l = [ 2 ]; s.y = [ true ]; } ];
    scalar = evalWith t.json [ "same" "same" ];
    conditional = evalWith t.json [ { a = mkIf false 1; b = mkDefault 2; } { b = 3; } ];
    errors = map ok [
      (evalWith t.json [ 1 2 ])
      (evalWith t.json [ null { a = 1; } ])
      (evalWith t.json [ 1 "a" ])
      (evalWith t.json [ { a = 1; } [ 1 ] ])
      (evalWith t.json [ null null ])
    ];
  };
  typesToml = {
    about = about t.toml;
    checks = checks t.toml [ null true 1 1.5 "s" { a = [ 1 ]; } [ ] (x: x) ];
    merged = evalWith t.toml [ { a.b = 1; } { a.c = [ "x" ]; } { a.c = [ "y" ]; } ];
    errors = map ok [ (evalWith t.toml [ null ]) (evalWith t.toml [ { a = null; } ]) (evalWith t.toml [ "a" "b" ]) ];
  };
  typesSerializableValueWith =
    let
      val = t.serializableValueWith { typeName = "VAL"; };
      strict = t.serializableValueWith { typeName = "YAML"; nullable = false; };
    in {
      about = [ (about val) (about strict) ];
      checks = [ (checks val [ null 1 "a" [ null ] ]) (checks strict [ null 1 "a" [ null ] ]) ];
      merged = evalWith (t.attrsOf val) [ { a = null; b = true; c = 1; d = 1.1; e = "foo"; f.foo = 1; g = [ { bar = [ 1 ]; } ]; } ];
      errors = map ok [ (evalWith strict [ null ]) (evalWith strict [ [ 1 null ] ]) (evalWith val [ 1 2 ]) ];
    };

  typesPathWith = {
    about = map about [
      (t.pathWith { })
      (t.pathWith { absolute = true; })
      (t.pathWith { absolute = false; })
      (t.pathWith { inStore = true; })
      (t.pathWith { inStore = false; })
      (t.pathWith { inStore = true; absolute = true; })
      (t.pathWith { inStore = false; absolute = true; })
      (t.pathWith { inStore = false; absolute = false; })
    ];
    impossible = ok (t.pathWith { inStore = true; absolute = false; });
    inStore = checks (t.pathWith { inStore = true; }) [
      "${store}/0lz9p8xhf89kb1c1kk6jxrzskaiygnlh-bash-5.2-p15.drv"
      "${store}/0fb3ykw9r5hpayd05sr0cizwadzq1d8q-bash-5.2-p15"
      "${store}/0fb3ykw9r5hpayd05sr0cizwadzq1d8q-bash-5.2-p15/bin/bash"
      { outPath = "${store}/0fb3ykw9r5hpayd05sr0cizwadzq1d8q-bash-5.2-p15"; type = "derivation"; }
      "" store "${store}/" "${store}/.links" "/foo/bar" 42 null
    ];
    notInStore = checks (t.pathWith { inStore = false; }) [
      "/foo/bar" store "${store}/" "" "${store}/.links" "relative/x"
      "${store}/0lz9p8xhf89kb1c1kk6jxrzskaiygnlh-bash-5.2-p15.drv"
      "${store}/0fb3ykw9r5hpayd05sr0cizwadzq1d8q-bash-5.2-p15/bin/bash"
      /foo/bar
      { outPath = "/foo/bar"; }
    ];
    any = checks (t.pathWith { }) [ "/this/is/absolute" "./this/is/relative" "" 42 /some/path { outPath = "/x"; } { __toString = _: "rel"; } ];
    absolute = checks (t.pathWith { absolute = true; }) [ "/a" "a" /some/path ];
    relative = checks (t.pathWith { absolute = false; }) [ "/a" "a" "./a" "" ];
    absoluteNotInStore = checks (t.pathWith { inStore = false; absolute = true; }) [
      "/this/is/absolute" "./this/is/relative" "${store}/0fb3ykw9r5hpayd05sr0cizwadzq1d8q-bash-5.2-p15"
    ];
    merged = [
      (evalWith (t.pathWith { }) [ "/a" "/a" ])
      (evalWith (t.lazyAttrsOf (t.pathWith { inStore = false; })) [ { a = "/x"; } { b = "y"; } ])
    ];
    errors = map ok [
      (evalWith (t.pathWith { }) [ "/a" "/b" ])
      (evalWith (t.pathWith { absolute = true; }) [ "b" ])
      (evalWith (t.pathWith { inStore = true; }) [ "/foo" ])
    ];
    mergedTypes = [
      (about (t.mergeTypes (t.pathWith { absolute = true; }) (t.pathWith { absolute = true; })))
      (about (t.mergeTypes (t.pathWith { inStore = false; }) (t.pathWith { inStore = false; absolute = null; })))
      (t.mergeTypes (t.pathWith { absolute = true; }) (t.pathWith { absolute = false; }))
      (t.mergeTypes (t.pathWith { }) t.str)
    ];
  };

  typesAttrTag = {
    about = [ (about leftRight) (about withDefaults) (about (t.attrTag { "a b" = mkOption { }; "if" = mkOption { }; c = mkOption { }; })) ];
    checks = checks leftRight [ { left = 1; } { right = "x"; } { left = "not checked here"; } { } { left = 1; right = "x"; } { other = 1; } 5 null [ ] ];
    values = [
      (evalWith leftRight [ { left = 1; } ])
      (evalWith leftRight [ { right = "a"; } { right = "a"; } ])
      (evalWith withDefaults [ { count = 4; } ])
      (evalWith withDefaults [ { names.a = "x"; } { names.b = "y"; } ])
      (evalWith withDefaults [ { names = mkIf false { a = "x"; }; } ])
      (evalWith withDefaults [ { nested.right = "deep"; } ])
      (evalWith withDefaults [ { count = mkDefault 1; } { count = 2; } ])
      (evalWith (t.attrsOf leftRight) [ { one.left = 1; hello.right = "hello world"; } ])
      (evalWith (t.listOf leftRight) [ [ { left = 1; } ] [ { right = "b"; } ] ])
      (evalWith (t.attrTag { foo = mkOption { type = t.submodule { options.bar = mkOption { type = t.int; default = 7; }; }; }; qux = mkOption { type = t.str; }; }) [ { foo = { }; } ]).foo.bar
    ];
    # Tag names are known without evaluating the tag's value.
    lazy = (evalWith leftRight [ { left = throw "not evaluated"; } ]) ? left;
    errors = map ok [
      (evalWith leftRight [ 1 ])
      (evalWith leftRight [ { } ])
      (evalWith leftRight [ { left = 1; right = "a"; } ])
      (evalWith leftRight [ (mkMerge [ { left = 1; } { right = "a"; } ]) ])
      (evalWith leftRight [ { left = 1; } { right = "a"; } ])
      (evalWith leftRight [ { rite = throw "do not eval"; } ])
      (evalWith leftRight [ { left = "bad"; } ])
      (evalWith leftRight [ { left = 1; } { left = 2; } ])
      (evalWith withDefaults [ { nested.right.left = "not a number"; } ])
      (evalWith withDefaults [ { count = mkIf false 1; } ])
      (evalWith (t.attrTag { int = t.int; }) [ { int = 1; } ])
      (evalWith (t.attrTag { int = { _type = "weird"; }; }) [ { int = 1; } ])
      ((t.attrTag { int = t.int; }).getSubOptions [ ])
    ];
    subOptions =
      let subs = withDefaults.getSubOptions [ "p" "<name>" ]; in {
        names = builtins.attrNames subs;
        loc = subs.names.loc;
        declarations = builtins.length subs.count.declarations;
        positions = map (p: p.line) subs.count.declarationPositions;
        typeName = subs.nested.type.name;
        default = subs.names.default;
      };
    merged =
      let
        m = t.mergeTypes
          (t.attrTag { yay = mkOption { type = t.int; }; extensible = mkOption { type = t.enum [ "foo" ]; }; })
          (t.attrTag { nay = mkOption { type = t.bool; }; extensible = mkOption { type = t.enum [ "bar" ]; }; });
        clash = t.mergeTypes
          (t.attrTag { a = mkOption { type = t.int; default = 1; }; })
          (t.attrTag { a = mkOption { type = t.int; default = 2; }; });
        unmergeable = t.mergeTypes
          (t.attrTag { a = mkOption { type = t.int; }; })
          (t.attrTag { a = mkOption { type = t.str; }; });
      in {
        about = about m;
        values = map (v: evalWith m [ v ]) [ { yay = 1; } { nay = false; } { extensible = "foo"; } { extensible = "bar"; } ];
        declarations = builtins.length (m.getSubOptions [ ]).extensible.declarations;
        errors = map ok [ (evalWith m [ { extensible = "baz"; } ]) (evalWith clash [ { a = 3; } ]) (evalWith unmergeable [ { a = 3; } ]) ];
        other = t.mergeTypes leftRight t.str;
      };
  };

  typesAttrListOf = {
    about = map about [ strList (t.attrListOf (t.nullOr t.str)) (t.attrListOf (t.listOf t.int)) (t.attrListWith { elemType = t.int; asAttrs = true; }) ];
    checks = checks strList [ [ ] { } [ { a = "x"; } ] "s" 1 null ];
    emptyValue = [ strList.emptyValue (t.attrListWith { elemType = t.int; asAttrs = true; }).emptyValue ];
    values = builtins.mapAttrs (_: defs: evalWith strList defs) {
      listInput = [ [ { a = "alpha"; } { b = "beta"; } ] ];
      attrsetOrdered = [ { x = mkOrder 200 "x-val"; y = mkOrder 100 "y-val"; } ];
      mixed = [ (mkMerge [ [ { m = "from-list"; } ] { n = mkOrder 50 "from-attrset"; } ]) ];
      attrsetNoOrder = [ { foo = "bar"; baz = "qux"; } ];
      empty = [ [ ] ];
      ordering = [ { last = mkOrder 1500 "last"; } { first = mkOrder 500 "first"; } [ { middle = "middle"; } ] ];
      listOrdering = [ [ (mkAfter { z = "after"; }) { m = "default"; } (mkBefore { a = "before"; }) ] ];
      listDefaultPrio = [ { after = mkOrder 1001 "after"; } [ { mid = "list-entry"; } ] { before = mkOrder 999 "before"; } ];
      withMkIf = [ (mkIf true [ { yes = "included"; } ]) (mkIf false [ { no = "excluded"; } ]) ];
      withOverride = [ (mkOverride 100 [ { replaced = "gone"; } ]) (mkOverride 50 [ { winner = "wins"; } ]) ];
      withDefault = [ (mkDefault [ { default = "overridden"; } ]) [ { normal = "wins"; } ] ];
      withForce = [ [ { discarded = "gone"; } ] (mkForce [ { forced = "wins"; } ]) ];
      forceWithOrder = [ (mkForce [ (mkAfter { second = "after"; }) (mkBefore { first = "before"; }) ]) ];
      forceAttrset = [ [ { discarded = "gone"; } ] (mkForce { x = mkOrder 200 "x-val"; y = mkOrder 100 "y-val"; }) ];
      forceRepeatedKey = [ [ { x = mkOverride 100 (abort "not evaluated"); } { x = mkForce "wins"; } { x = mkForce "wins 2"; } ] ];
      forceRepeatedKeyMerge = [
        [ { x = "unused"; } { x = mkDefault (abort "not evaluated"); } ]
        [ { x = mkOverride 100 (abort "not evaluated"); } ]
        [ { x = mkForce "forced"; } ]
      ];
      forcePartialAttrs = [ { x = "unused"; y = "normal y"; } { x = mkForce "forced x"; } ];
      forceMixedFormats = [ [ { x = mkOverride 100 (abort "not evaluated"); } { y = "list y"; } ] { x = mkForce "attrset forced x"; } ];
      nestListOrderForce = [
        [ { x = mkDefault (abort "not evaluated"); } (mkOrder 500 { x = mkForce "forced-early"; }) (mkOrder 1500 { y = "late"; }) ]
        [ (mkOrder 100 { z = "earliest"; }) ]
      ];
      nestListOrderOfForce = [
        [ { x = mkOverride 100 (abort "not evaluated"); } { y = "plain-early"; } ]
        [ { x = mkOrder 1500 (mkForce "forced-late"); } { z = mkOrder 500 "earliest"; } ]
        [ { x = "unused"; } { w = mkOrder 1200 "mid"; } ]
      ];
      nestAttrsForceOfOrder = [
        { x = "unused"; y = "plain-early"; }
        { x = mkForce (mkOrder 1500 "forced-late"); z = mkOrder 500 "earliest"; }
        { x = mkDefault (abort "not evaluated"); w = mkOrder 1200 "mid"; }
      ];
      # A name given only mkDefault values loses to the default priority.
      loneDefault = [ [ { x = mkDefault "dropped"; } { y = "kept"; } ] ];
      repeated = [ [ { a = "1"; } { b = "2"; } { a = "3"; } ] [ { a = "4"; } ] ];
      valueMerge = [ [ { a = mkMerge [ "same" "same" ]; } ] ];
    };
    ints = [
      (evalWith intList [ [ { a = mkIf true 1; } { b = mkIf false 2; } { c = 3; } ] ])
      (evalWith intList [ { a = mkIf true 1; b = mkIf false 2; c = 3; } ])
      (evalWith intList [ [ { a = mkDefault (abort "not evaluated"); } { a = mkForce 42; } { b = 2; } ] ])
      (evalWith intList [ [ { b = 2; } ] [ { a = 1; } ] ])
    ];
    asAttrs = [
      (evalWith (t.attrListWith { elemType = t.str; asAttrs = true; mergeAttrValues = _: lib.last; })
        [ { x = mkOrder 500 "first"; y = "only"; } [ (mkOrder 1500 { x = "last"; }) ] ])
      (evalWith (t.attrListWith { elemType = t.int; asAttrs = true; })
        [ (mkMerge [ { x = mkOrder 500 10; } { x = mkOrder 1500 30; } { y = 99; } [ { x = 20; } ] ]) ])
      (evalWith (t.attrListWith { elemType = t.int; asAttrs = true; mergeAttrValues = name: vs: "${name}:${toString (builtins.length vs)}"; }) [ [ { a = 1; } { a = 2; } { b = 3; } ] ])
      (evalWith (t.attrListWith { elemType = t.int; asAttrs = true; }) [ [ ] ])
    ];
    submodules = map (builtins.mapAttrs (_: v: { inherit (v) host port; })) (evalWith (t.attrListOf (t.submodule {
      options.port = mkOption { type = t.int; };
      options.host = mkOption { type = t.str; default = "localhost"; };
    })) [ [ { web.port = 80; } { db = { port = 5432; host = "dbhost"; }; } ] ]);
    either = [
      (evalWith (t.either strList t.int) [ [ { a = "hello"; } { b = "world"; } ] ])
      (evalWith (t.either strList t.int) [ 42 ])
      (evalWith (t.either t.int strList) [ [ { a = "hello"; } ] ])
    ];
    inAttrs = evalWith (t.lazyAttrsOf strList) [ { a = [ { k = "v"; } ]; } { a = { j = mkBefore "w"; }; b = [ ]; } ];
    errors = map ok [
      (evalWith intList [ [ { a = "not-an-int"; } ] ])
      (evalWith strList [ [ { a = "ok"; b = "extra"; } ] ])
      (evalWith strList [ "not-a-container" ])
      (evalWith strList [ [ "not a singleton attribute" ] ])
      (evalWith strList [ [ (mkIf true { a = "x"; }) ] ])
      (evalWith strList [ [ (mkOrder 10 "x") ] ])
      (evalWith strList [ [ { a = "1"; } ] [ { b = 2; } ] ])
      (evalWith strList [ { a = mkMerge [ "x" "y" ]; } ])
    ];
    mergedTypes = [ (t.mergeTypes strList strList) (t.mergeTypes strList (t.listOf t.str)) ];
    subOptions = (t.attrListOf (t.submodule { options.port = mkOption { type = t.int; }; })).getSubOptions [ "p" ] ? port;
  };

  typesLoaOf = {
    about = about (t.loaOf t.str);
    deprecation = (t.loaOf t.int).deprecationMessage;
    nested = (t.loaOf t.int).nestedTypes.elemType.name;
    checks = checks (t.loaOf t.int) [ { } { a = 1; } [ ] 1 ];
    merged = evalWith (t.loaOf t.int) [ { a = 1; } { b = 2; c = mkIf false 3; } ];
    errors = map ok [ (evalWith (t.loaOf t.int) [ { a = "x"; } ]) (evalWith (t.loaOf t.int) [ [ { name = "a"; } ] ]) ];
  };

  typesPkgs = {
    about = about t.pkgs;
    checks = checks t.pkgs [ { _type = "pkgs"; } { } { _type = "other"; } 5 null [ ] ];
    merged = evalWith t.pkgs [ { _type = "pkgs"; hello = "world"; } ];
    errors = map ok [
      (evalWith t.pkgs [ { _type = "pkgs"; a = 1; } { _type = "pkgs"; b = 2; } ])
      (evalWith t.pkgs [ { hello = "world"; } ])
    ];
  };

  typesOptionDeclaration = {
    about = about t.optionDeclaration;
    checks = checks t.optionDeclaration [ (mkOption { }) (mkOption { type = t.int; default = 1; }) (mkOption { } // { value = 1; }) { } { _type = "option-type"; } 5 ];
    merged = evalWith t.optionDeclaration [ (mkOption { default = 1; }) (mkOption { example = 2; }) ];
    single = builtins.removeAttrs (evalWith t.optionDeclaration [ (mkOption { description = "d"; }) ]) [ ];
    errors = map ok [ (evalWith t.optionDeclaration [ { } ]) (evalWith t.optionDeclaration [ { _type = "option"; value = 1; } ]) (evalWith t.optionDeclaration [ 5 ]) ];
    inAttrs = builtins.mapAttrs (_: o: o.default or null) (evalWith (t.attrsOf t.optionDeclaration) [ { a = mkOption { default = "x"; }; } { b = mkOption { }; } ]);
  };

  typesOptionDescriptionPhrase =
    let
      phrase = t.optionDescriptionPhrase;
      noun = c: c == "noun";
    in [
      (phrase noun t.str)
      (phrase noun (t.nullOr t.str))
      (phrase (c: c == "noun" || c == "conjunction") (t.nullOr t.str))
      (phrase noun (t.listOf t.int))
      (phrase (c: c == "composite") (t.listOf t.int))
      (phrase noun t.ints.unsigned)
      (phrase noun t.attrs)
      (phrase (c: c == null) t.attrs)
      (phrase (_: false) t.int)
      (phrase (_: true) t.int)
      (phrase noun (t.enum [ "a" "b" ]))
      (phrase noun { description = "no class"; })
      (phrase (c: c == "noun") t.json)
      (phrase noun t.pkgs)
      (phrase noun (t.pathWith { }))
      (phrase noun t.optionDeclaration)
      (phrase noun leftRight)
      (phrase noun strList)
      (phrase noun t.luaInline)
    ];

  typesNoCheckForDocsModule = {
    file = t.noCheckForDocsModule._file;
    check = (lib.evalModules { modules = [ t.noCheckForDocsModule ]; })._module.check;
    withOptions = (lib.evalModules {
      modules = [
        t.noCheckForDocsModule
        { options.a = mkOption { type = t.int; default = 1; }; }
        { a = 2; }
      ];
    }).config.a;
    # Without it, checks stay on.
    default = (lib.evalModules { modules = [ ]; })._module.check;
  };

  typesSetType = [
    (t.setType "foo" { a = 1; })
    (t.setType "bar" { _type = "foo"; })
    (lib.isType "foo" (t.setType "foo" { }))
    (t.setType "merge-error" { error = "x"; })
  ];

  typesDefaultFunctor =
    let f = t.defaultFunctor "str"; in {
      name = f.name;
      payload = f.payload;
      typeName = f.type.name;
      binOp = f.binOp 1 2;
      unknown = (t.defaultFunctor "noSuchType").type;
      attrNames = builtins.attrNames f;
      # mkOptionType's default functor.
      mkOptionType = (t.mkOptionType { name = "int"; }).functor.type.name;
      custom = (t.mkOptionType { name = "custom"; }).functor.type;
    };

  typesDefaultTypeMerge =
    let
      merge = t.defaultTypeMerge;
      f = n: (t.defaultFunctor n) // { type = n; };
    in {
      sameName = merge (f "str") (f "str");
      otherName = merge (f "str") (f "int");
      strType = (merge t.str.functor t.str.functor).name;
      enums = (merge (t.enum [ "a" ]).functor (t.enum [ "b" "c" ]).functor).description;
      refused = merge { name = "x"; payload = 1; binOp = _: _: null; type = _: "never"; } { name = "x"; payload = 2; };
      rebuilt = merge { name = "x"; payload = 1; binOp = a: c: a + c; type = p: "x${toString p}"; } { name = "x"; payload = 2; };
      payloadMismatch = ok (merge { name = "x"; payload = null; type = 1; } { name = "x"; payload = 2; });
      # A type made by mkOptionType merges by its functor unless told otherwise.
      mkOptionType = [
        ((t.mkOptionType { name = "str"; }).typeMerge t.str.functor).name
        ((t.mkOptionType { name = "custom"; }).typeMerge (t.defaultFunctor "custom"))
        ((t.mkOptionType { name = "custom"; typeMerge = _: "mine"; }).typeMerge t.str.functor)
      ];
    };

  typesMergeTypes =
    let
      m = t.mergeTypes;
      enumAB = t.enum [ "A" "B" ];
      enumXY = t.enum [ "X" "Y" ];
      merged = m enumAB enumXY;
      sub = m
        (t.submodule { options.a = mkOption { type = t.int; default = 1; }; })
        (t.submodule { options.b = mkOption { type = t.str; default = "b"; }; });
      subValue = evalWith sub [ { a = 5; } ];
    in {
      enum = [ merged.name merged.description (map merged.check [ "A" "B" "X" "Y" "C" ]) ];
      enumSame = (m enumAB enumAB).description;
      errors = [ (m t.str t.int) (m enumAB t.str) (m (t.attrsOf t.int) (t.lazyAttrsOf t.int)) (m (t.coercedTo t.int toString t.str) (t.coercedTo t.int toString t.str)) ];
      notTypes = map ok [ (m { } t.str) (m t.str 5) ];
      plain = map (x: x.name) [ (m t.str t.str) (m t.int t.int) (m t.bool t.bool) (m t.anything t.anything) (m t.raw t.raw) ];
      listOf = let l = m (t.listOf (t.enum [ "a" ])) (t.listOf (t.enum [ "b" ])); in [ l.name (map l.check [ [ "a" ] "a" ]) (evalWith l [ [ "a" ] [ "b" ] ]) (ok (evalWith l [ [ "c" ] ])) ];
      attrsOf = let a = m (t.attrsOf (t.enum [ "a" ])) (t.attrsOf (t.enum [ "b" ])); in [ a.name (evalWith a [ { x = "a"; y = "b"; } ]) (ok (evalWith a [ { x = "c"; } ])) ];
      lazyAttrsOf = (m (t.lazyAttrsOf t.int) (t.lazyAttrsOf t.int)).name;
      attrsListMix = m (t.attrsOf t.int) (t.listOf t.int);
      attrsInner = m (t.attrsOf t.int) (t.attrsOf t.str);
      nullOr = let n = m (t.nullOr (t.enum [ "a" ])) (t.nullOr (t.enum [ "b" ])); in [ n.name (map n.check [ null "a" "b" "c" ]) ];
      either = let e = m (t.either t.int (t.enum [ "a" ])) (t.either t.int (t.enum [ "b" ])); in [ e.name (map e.check [ 1 "a" "b" "c" ]) ];
      eitherRefused = m (t.either t.int t.str) (t.either t.str t.int);
      eitherOther = m (t.either t.int t.str) t.int;
      functionTo = (m (t.functionTo t.int) (t.functionTo t.int)).name;
      uniq = (m (t.uniq t.int) (t.uniq t.int)).check 1;
      separatedString = [ (m t.lines t.lines).description (m t.lines t.commas) ];
      strMatching = [ ((m (t.strMatching "a.*") (t.strMatching "a.*")).check "abc") (m (t.strMatching "a") (t.strMatching "b")) ];
      ints = [ (m (t.ints.between 0 5) (t.ints.between 0 5)).name (m t.ints.unsigned t.ints.positive).name (m t.port t.port).name ];
      addCheck = (m (t.addCheck t.int (x: x > 0)) t.int).name;
      deferredModule = builtins.length (m (t.deferredModuleWith { staticModules = [ { } ]; }) (t.deferredModuleWith { staticModules = [ { } { } ]; })).functor.payload.staticModules;
      submodule = [ sub.name subValue.a subValue.b ];
      submoduleConflicts = map ok [
        (evalWith (m (t.submodule { }) (t.submoduleWith { modules = [ ]; })) [ { } ])
        (m (t.submoduleWith { modules = [ ]; description = "one"; }) (t.submoduleWith { modules = [ ]; description = "two"; })).description
        (m (t.submoduleWith { modules = [ ]; description = "one"; }) (t.submoduleWith { modules = [ ]; })).description
        (evalWith (m (t.submoduleWith { modules = [ ]; specialArgs.a = 1; }) (t.submoduleWith { modules = [ ]; specialArgs.a = 1; })) [ ({ a, ... }: { }) ])
        (evalWith (m (t.submoduleWith { modules = [ ]; specialArgs.a = 1; }) (t.submoduleWith { modules = [ ]; specialArgs.b = 1; })) [ ({ a, b, ... }: { }) ])
      ];
      attrListOf = m (t.attrListOf t.int) (t.attrListOf t.int);
    };

  typesTypes = {
    same = [ t.types.str.name t.types.types.int.name (t.types.attrListOf t.int).name ];
    has = map (n: t.types ? ${n}) [ "attrTag" "json" "types" "mergeTypes" "submodule" ];
  };

  # Options of two modules declared with submodules: one option, the
  # modules of both.
  typesSubmoduleDeclaredTwice =
    let
      x = (lib.evalModules {
        modules = [
          { options.x = mkOption { type = t.submodule { options.a = mkOption { type = t.int; default = 1; }; }; default = { }; }; }
          { options.x = mkOption { type = t.submodule { options.b = mkOption { type = t.str; default = "b"; }; }; }; }
          { x.a = 2; }
        ];
      }).config.x;
    in { inherit (x) a b; };
}
