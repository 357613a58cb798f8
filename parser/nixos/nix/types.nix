# Option types (`lib.types`), written for nixplan: each checks its
# definitions and merges them the way NixOS does.
lib:
let
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };
  inherit (lib.options) showOption showDefs mergeEqualOption mergeOneOption mergeDefaultOption throwAt defPos;

  mkOptionType = { name, description ? name, check ? (_: true), merge ? mergeDefaultOption
    , emptyValue ? { }, getSubOptions ? (_: { }), getSubModules ? null, substSubModules ? (_: null)
    , typeMerge ? (_: null), functor ? { inherit name; }, nestedTypes ? { }, descriptionClass ? null
    , deprecationMessage ? null }:
    {
      _type = "option-type";
      # `deprecationMessage` too: nixpkgs' module system reads it of every
      # type (a stand-in package set's option types meet the real one).
      inherit name description check emptyValue getSubOptions getSubModules substSubModules typeMerge functor nestedTypes descriptionClass deprecationMessage;
      merge = loc: defs:
        let bad = b.filter (d: !(check d.value)) defs; in
        if bad == [ ] then merge loc defs
        else throwAt (defPos bad) "A definition for option `${showOption loc}' is not of type `${description}'. Definition values:\n${showDefs bad}";
    };

  isType = t: b.isAttrs t && (t._type or "") == "option-type";

  # Turn one definition of a container into definitions of its elements.
  elemDefs = loc: defs: f: b.concatLists (lib.imap1 (n: def: f n def) defs);

  ints' = rec {
    between = lo: hi: mkOptionType {
      name = "intBetween";
      description = "integer between ${b.toString lo} and ${b.toString hi} (both inclusive)";
      check = x: b.isInt x && x >= lo && x <= hi;
      merge = mergeEqualOption;
    };
    unsigned = mkOptionType { name = "unsignedInt"; description = "unsigned integer, meaning >=0"; check = x: b.isInt x && x >= 0; merge = mergeEqualOption; };
    positive = mkOptionType { name = "positiveInt"; description = "positive integer, meaning >0"; check = x: b.isInt x && x > 0; merge = mergeEqualOption; };
    u8 = between 0 255;
    u16 = between 0 65535;
    u32 = between 0 4294967295;
    s8 = between (-128) 127;
    s16 = between (-32768) 32767;
    s32 = between (-2147483648) 2147483647;
  };

  types = rec {
    inherit mkOptionType isType;
    isOptionType = isType;

    raw = mkOptionType { name = "raw"; description = "raw value"; merge = mergeOneOption; };
    unspecified = mkOptionType { name = "unspecified"; description = "unspecified value"; };
    anything = mkOptionType {
      name = "anything";
      description = "anything";
      merge = loc: defs:
        let vals = map (d: d.value) defs; in
        if b.all b.isList vals then b.concatLists vals
        else if b.all (v: b.isAttrs v && !(lib.isDerivation v)) vals then
          b.mapAttrs (name: vs: anything.merge (loc ++ [ name ]) vs)
            (b.zipAttrsWith (name: vs: vs) (map (d: b.mapAttrs (_: v: { inherit (d) file; value = v; }) d.value) defs))
        else if b.all b.isFunction vals then x: anything.merge loc (map (d: d // { value = d.value x; }) defs)
        else mergeEqualOption loc defs;
    };
    attrs = mkOptionType { name = "attrs"; description = "attribute set"; check = b.isAttrs; merge = loc: b.foldl' (r: d: r // d.value) { }; };
    bool = mkOptionType { name = "bool"; description = "boolean"; check = b.isBool; merge = mergeEqualOption; };
    boolByOr = mkOptionType { name = "boolByOr"; check = b.isBool; merge = loc: defs: b.any (d: d.value) defs; };
    int = mkOptionType { name = "int"; description = "signed integer"; check = b.isInt; merge = mergeEqualOption; };
    ints = ints';
    port = ints'.u16;
    float = mkOptionType { name = "float"; check = b.isFloat; merge = mergeEqualOption; };
    number = either int float;
    numbers = {
      between = lo: hi: addCheck number (x: x >= lo && x <= hi);
      nonnegative = addCheck number (x: x >= 0);
      positive = addCheck number (x: x > 0);
    };
    str = mkOptionType { name = "str"; description = "string"; check = b.isString; merge = mergeEqualOption; };
    nonEmptyStr = mkOptionType { name = "nonEmptyStr"; description = "non-empty string"; check = x: b.isString x && b.match "[ \t\n]*" x == null; merge = mergeEqualOption; };
    singleLineStr = mkOptionType { name = "singleLineStr"; description = "(optionally newline-terminated) single-line string"; check = x: b.isString x && b.match "[^\n]*\n?" x != null; merge = mergeEqualOption; };
    strMatching = pattern: mkOptionType {
      name = "strMatching ${b.toJSON pattern}";
      description = "string matching the pattern ${pattern}";
      check = x: b.isString x && b.match pattern x != null;
      merge = mergeEqualOption;
    };
    separatedString = sep: mkOptionType {
      name = "separatedString";
      description = if sep == "" then "Concatenated string" else "strings concatenated with ${b.toJSON sep}";
      check = b.isString;
      merge = loc: defs: b.concatStringsSep sep (map (d: d.value) defs);
    };
    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";
    string = separatedString "";
    passwdEntry = entryType: addCheck entryType (s: !(lib.hasInfix ":" s || lib.hasInfix "\n" s));
    path = mkOptionType {
      name = "path";
      description = "path";
      check = x: lib.isStringLike x && b.substring 0 1 (b.toString x) == "/";
      merge = mergeEqualOption;
    };
    pathInStore = addCheck path lib.isStorePath;
    externalPath = addCheck path (x: !(lib.isStorePath x));
    package = mkOptionType {
      name = "package";
      description = "package";
      check = x: lib.isDerivation x || lib.isStorePath x;
      merge = loc: defs: let r = mergeOneOption loc defs; in if lib.isDerivation r then r else { outPath = b.toString r; type = "derivation"; name = "store-path"; };
    };
    shellPackage = package;
    enum = values: mkOptionType {
      name = "enum";
      description = "one of ${b.concatStringsSep ", " (map (v: if b.isString v then "\"${v}\"" else b.toJSON v) values)}";
      check = x: b.elem x values;
      merge = mergeEqualOption;
      functor = { name = "enum"; payload = values; };
    };
    nullOr = elemType: mkOptionType {
      name = "nullOr";
      description = "null or ${elemType.description}";
      check = x: x == null || elemType.check x;
      merge = loc: defs:
        let nulls = b.filter (d: d.value == null) defs; in
        if nulls == defs then null
        else if nulls == [ ] then elemType.merge loc defs
        else throwAt (defPos defs) "The option `${showOption loc}' is defined both null and not null, in ${lib.options.showFiles (map (d: d.file) defs)}.";
      getSubOptions = elemType.getSubOptions;
      getSubModules = elemType.getSubModules;
      nestedTypes.elemType = elemType;
    };
    listOf = elemType: mkOptionType {
      name = "listOf";
      description = "list of ${elemType.description}";
      check = b.isList;
      merge = loc: defs:
        map (x: x.value) (b.filter (x: x ? value) (b.concatLists (lib.imap1 (n: def:
          lib.imap1 (m: v: (lib.modules.evalElement (loc ++ [ "[definition ${b.toString n}-entry ${b.toString m}]" ]) elemType { inherit (def) file; value = v; pos = def.pos or null; })) def.value) defs)));
      emptyValue = [ ];
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "*" ]);
      getSubModules = elemType.getSubModules;
      nestedTypes.elemType = elemType;
    };
    nonEmptyListOf = elemType: addCheck (listOf elemType) (l: l != [ ]);
    attrsOf = elemType: attrsWith { inherit elemType; lazy = false; };
    lazyAttrsOf = elemType: attrsWith { inherit elemType; lazy = true; };
    attrsWith = { elemType, lazy ? false }: mkOptionType {
      name = if lazy then "lazyAttrsOf" else "attrsOf";
      description = "attribute set of ${elemType.description}";
      check = b.isAttrs;
      merge = loc: defs:
        let
          pushed = lib.modules.pushDownAttrDefs defs;
          evaluated = b.zipAttrsWith (name: ds: lib.modules.evalElement (loc ++ [ name ]) elemType { merged = ds; })
            (map (d: b.mapAttrs (n: v: { inherit (d) file; value = v; pos = b.unsafeGetAttrPos n d.value; }) d.value) pushed);
          positions = b.zipAttrsWith (name: ps: b.head ps) (map (d: b.mapAttrs (n: _: b.unsafeGetAttrPos n d.value) d.value) pushed);
          setPositions = b.__nixplanSetPositions or (set: _: set);
        in
        setPositions (if lazy then b.mapAttrs (_: e: e.value or elemType.emptyValue.value or (throw "The option `${showOption loc}' has an undefined element")) evaluated
        else b.mapAttrs (_: e: e.value) (lib.filterAttrs (_: e: e ? value) evaluated)) positions;
      emptyValue = { value = { }; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<name>" ]);
      getSubModules = elemType.getSubModules;
      nestedTypes.elemType = elemType;
    };
    uniq = elemType: mkOptionType { inherit (elemType) name description check; merge = mergeOneOption; };
    unique = { message }: elemType: mkOptionType { inherit (elemType) name description check; merge = lib.options.mergeUniqueOption { inherit message; }; };
    functionTo = elemType: mkOptionType {
      name = "functionTo";
      description = "function that evaluates to a(n) ${elemType.description}";
      check = lib.isFunction;
      merge = loc: defs: fnArgs: elemType.merge loc (map (d: d // { value = d.value fnArgs; }) defs);
    };
    either = t1: t2: mkOptionType {
      name = "either";
      description = "${t1.description} or ${t2.description}";
      check = x: t1.check x || t2.check x;
      merge = loc: defs:
        let vals = map (d: d.value) defs; in
        if b.all t1.check vals then t1.merge loc defs
        else if b.all t2.check vals then t2.merge loc defs
        else mergeOneOption loc defs;
      nestedTypes = { left = t1; right = t2; };
    };
    oneOf = ts: if ts == [ ] then throw "types.oneOf needs at least one type" else b.foldl' either (b.head ts) (b.tail ts);
    coercedTo = coercedType: coerceFunc: finalType: mkOptionType {
      name = "coercedTo";
      description = "${finalType.description} or ${coercedType.description} convertible to it";
      check = x: (coercedType.check x && finalType.check (coerceFunc x)) || finalType.check x;
      merge = loc: defs:
        finalType.merge loc (map (d: d // { value = if finalType.check d.value then d.value else coerceFunc d.value; }) defs);
      getSubOptions = finalType.getSubOptions;
      getSubModules = finalType.getSubModules;
    };
    addCheck = elemType: check: elemType // {
      check = x: elemType.check x && check x;
      merge = loc: defs:
        let bad = b.filter (d: !(check d.value)) defs; in
        if bad == [ ] then elemType.merge loc defs
        else throwAt (defPos bad) "A definition for option `${showOption loc}' is not of type `${elemType.description}'. Definition values:\n${showDefs bad}";
    };
    optionType = mkOptionType { name = "optionType"; check = isType; merge = loc: defs: (b.head defs).value; };
    deferredModule = deferredModuleWith { };
    deferredModuleWith = { staticModules ? [ ] }: mkOptionType {
      name = "deferredModule";
      description = "module";
      check = x: b.isAttrs x || b.isFunction x || b.isPath x;
      merge = loc: defs: { imports = staticModules ++ map (d: { _file = d.file; imports = [ d.value ]; }) defs; };
    };
    submodule = modules: submoduleWith { shorthandOnlyDefinesConfig = true; modules = lib.toList modules; };
    # `strict` (nixplan's): a definition of an option the submodule does
    # not declare is an error, as in NixOS; nixplan's own NixOS
    # declarations are partial, so only its disko and impermanence ones ask.
    nixplanStrictSubmodule = modules: submoduleWith { shorthandOnlyDefinesConfig = true; modules = lib.toList modules; strict = true; };
    nixplanStrictSubmoduleWith = attrs: submoduleWith (attrs // { strict = true; });
    submoduleWith = { modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false, description ? null, class ? null, strict ? false }@attrs:
      mkOptionType {
        name = "submodule";
        description = if description != null then description else "submodule";
        check = x: b.isAttrs x || b.isFunction x || b.isPath x;
        merge = loc: defs:
          (lib.modules.evalModules {
            modules = modules ++ map (d: { _file = d.file; imports = [ (if shorthandOnlyDefinesConfig && b.isAttrs d.value then { config = d.value; } else d.value) ]; }) defs;
            specialArgs = specialArgs // { name = lib.last loc; };
            prefix = loc;
            inherit strict;
          }).config;
        getSubOptions = prefix: (lib.modules.evalModules { inherit modules; specialArgs = specialArgs // { name = "<name>"; }; inherit prefix; }).options;
        getSubModules = modules;
        substSubModules = m: submoduleWith (attrs // { modules = m; });
        typeMerge = t2: submoduleWith (attrs // { modules = modules ++ t2.getSubModules; });
        functor = { name = "submodule"; payload = attrs; };
      };
  };
in
types
