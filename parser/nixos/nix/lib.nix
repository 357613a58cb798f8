# nixplan's own implementation of the parts of nixpkgs' `lib` that NixOS,
# disko and impermanence configurations use. Written for nixplan; it runs on
# real Nix too (the tests compare both). Entry point: `import ./lib.nix`.
let
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };

  lib = trivial // lists // attrsets // strings // optionsTop // modulesTop // fixedPoints // asserts // more // extraTop // moreC // moreG // moreH // {
    inherit options generators;
    inherit (extra) kernel cli flakes;
    derivations = extra.derivations // { inherit (moreG) lazyDerivation; };
    filesystem = extra.filesystem // { inherit (moreG) packagesFromDirectoryRecursive; };
    inherit (moreA) path network fetchers mkEUI64Suffix splitByAndCompare updateManyAttrsByPath
      nixpkgsVersion;
    inherit (moreB) gvariant mkLuaInline;
    # nixpkgs' lib lists each function in its namespace too: those the
    # stand-in defines once, at top level, are added to theirs.
    trivial = trivial // {
      inherit (more) add sub mul div lessThan bitNot ceil floor boolToYesNo fromHexString
        toBaseDigits toHexString mapNullable genericClosure pathExists readFile;
      inherit (b) isBool isFloat isInt;
      inherit (extra) inPureEvalMode info checkListOfEnum;
      inherit (moreA) splitByAndCompare nixpkgsVersion versionSuffix revisionWithDefault;
    };
    attrsets = attrsets // {
      inherit (b) isAttrs;
      inherit (more) genAttrs' mapCartesianProduct showAttrPath;
      inherit (extra) getFirstOutput getInclude getStatic chooseDevOutputs mapAttrsToListRecursive
        mapAttrsToListRecursiveCond;
      inherit (moreA) updateManyAttrsByPath longestValidPathPrefix;
      inherit (moreG) toDerivation;
    };
    lists = lists // {
      inherit (extra) naturalSort commonPrefix;
      inherit (b) isList;
      inherit (more) concatAttrValues dropEnd replaceElemAt takeEnd uniqueStrings;
      # Of lists, not strings (lib.hasPrefix is the string one).
      hasPrefix = prefix: list: lists.take (b.length prefix) list == prefix;
      removePrefix = prefix: list:
        if b.length prefix <= b.length list && lists.take (b.length prefix) list == prefix
        then lists.drop (b.length prefix) list
        else throw "lib.lists.removePrefix: First argument is not a list prefix of the second argument";
    };
    strings = strings // {
      inherit (extra) trimWith splitStringBy toCamelCase charToInt escapeC escapeNixIdentifier
        floatToString commonSuffixLength makeIncludePath storeDir;
      inherit (b) appendContext compareVersions elem elemAt filter fromJSON genList head isAttrs
        isInt isList isPath isString parseDrvName readFile tail toJSON typeOf unsafeDiscardStringContext;
      inherit (more) cmakeBool cmakeFeature cmakeOptionType concatImapStrings concatMapAttrsStringSep
        enableFeatureAs escapeURL escapeXML isValidPosixName join mesonBool mesonEnable mesonOption
        nameFromURL replaceString toSentenceCase toShellVar toShellVars withFeatureAs;
      inherit (moreA) levenshtein levenshteinAtMost;
      # The string N times (the top level's is the list's).
      replicate = n: s: b.concatStringsSep "" (b.genList (_: s) n);
    };
    versions = versions // { inherit (b) compareVersions; pad = extra.versionPad; };
    inherit (extra) meta;
    mkOptionType = lib.types.mkOptionType;
    inherit (lib.types) defaultFunctor defaultTypeMerge;
    isOptionType = lib.isType "option-type";
    fixedPoints = fixedPoints // { inherit (extra) converge toExtension; };
    asserts = asserts // { inherit (extra) assertEachOneOf; inherit (moreA) checkAssertWarn; };
    modules = modules' // { inherit (trivial) importJSON importTOML; };
    types = import ./types.nix lib // { inherit (moreB) luaInline; };
    inherit (b) isAttrs isBool isFloat isInt isList isString isPath typeOf
      attrNames attrValues hasAttr getAttr removeAttrs intersectAttrs listToAttrs
      length head tail elem elemAt filter genList concatLists concatStringsSep match split
      stringLength substring replaceStrings toJSON fromJSON seq deepSeq tryEval;
    evalModules = modules'.evalModules;
    evalOptionValue = lib.warn "External use of `lib.evalOptionValue` is deprecated. If your use case isn't covered by non-deprecated functions, we'd like to know more and perhaps support your use case well, instead of providing access to these low level functions. In this case please open an issue in https://github.com/nixos/nixpkgs/issues/." modules'.evalOptionValue;
    systems.flakeExposed = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    licenses = { };
    maintainers = { };
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    fakeSha256 = "0000000000000000000000000000000000000000000000000000000000000000";
  };

  modules' = import ./modules.nix lib;
  # nixpkgs' lib has these only in `lib.modules` / `lib.options`.
  modulesTop = b.removeAttrs modules' [ "mkAliasIfDef" "mkAliasAndWrapDefsWithPriority" "filterOverrides'"
    "mapDefinitionValue" "mergeAttrDefinitionsWithPrio" "evalOptionValue" ];
  optionsTop = b.removeAttrs options [ "literalCode" "renderOptionValue" ];
  extra = import ./lib-extra.nix lib;
  moreA = import ./lib-more-a.nix lib;
  moreB = import ./lib-more-b.nix lib;
  # Deprecated helpers (lib.misc, lib.stringsWithDeps); the names it gives
  # do not depend on `lib`, so it can be merged into it.
  moreC = import ./lib-more-c.nix lib;
  # Package-set machinery (lib.customisation and friends); names
  # independent of `lib`, like moreC's.
  moreG = import ./lib-more-g.nix lib;
  # Source filtering (lib.sources); names independent of `lib`.
  moreH = import ./lib-more-h.nix lib;
  # What nixpkgs' lib has only in a namespace, and lib-extra's helpers.
  extraTop = b.removeAttrs extra [ "assertEachOneOf" "commonPrefix" "charToInt" "escapeC"
    "escapeNixIdentifier" "floatToString" "commonSuffixLength" "storeDir" "ascii" "versionPad" "showTo" "throwTestFailures" ];

  trivial = rec {
    id = x: x;
    const = x: _: x;
    flip = f: a: c: f c a;
    pipe = b.foldl' (x: f: f x);
    concat = x: y: x ++ y;
    or = x: y: x || y;
    and = x: y: x && y;
    xor = x: y: (!x) != (!y);
    bitAnd = b.bitAnd;
    bitOr = b.bitOr;
    bitXor = b.bitXor;
    boolToString = x: if x then "true" else "false";
    mergeAttrs = x: y: x // y;
    min = x: y: if x < y then x else y;
    max = x: y: if x > y then x else y;
    mod = base: int: base - (int * (b.div base int));
    compare = a: c: if a < c then -1 else if a > c then 1 else 0;
    warn = msg: b.trace "evaluation warning: ${msg}";
    warnIf = cond: msg: if cond then warn msg else id;
    warnIfNot = cond: msg: if cond then id else warn msg;
    throwIf = cond: msg: if cond then throw msg else id;
    throwIfNot = cond: msg: if cond then id else throw msg;
    functionArgs = f: if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f)) else b.functionArgs f;
    setFunctionArgs = f: args: { __functor = self: f; __functionArgs = args; };
    mirrorFunctionArgs = f: g: setFunctionArgs g (functionArgs f);
    isFunction = f: b.isFunction f || (f ? __functor && isFunction (f.__functor f));
    toFunction = v: if isFunction v then v else _: v;
    version = "24.05pre-nixplan";
    release = "24.05";
    codeName = "Uakari";
    oldestSupportedRelease = 2511;
    oldestSupportedReleaseIsAtLeast = release: release <= oldestSupportedRelease;
    isInOldestRelease = release: release <= oldestSupportedRelease;
    inNixShell = false;
    importJSON = path: b.fromJSON (b.readFile path);
    importTOML = path: b.fromTOML (b.readFile path);
    defaultTo = default: maybe: if maybe == null then default else maybe;
    inherit (b) seq deepSeq;
    showWarnings = warnings: res: b.foldl' (r: w: warn w r) res warnings;
  };

  fixedPoints = rec {
    fix = f: let x = f x; in x;
    fix' = f: let x = f x // { __unfix__ = f; }; in x;
    extends = overlay: f: final: let prev = f final; in prev // overlay final prev;
    composeExtensions = f: g: final: prev:
      let fApplied = f final prev; prev' = prev // fApplied; in fApplied // g final prev';
    composeManyExtensions = b.foldl' composeExtensions (_: _: { });
    makeExtensible = makeExtensibleWithCustomName "extend";
    makeExtensibleWithCustomName = extenderName: rattrs:
      fix' (self: (rattrs self) // { ${extenderName} = f: makeExtensibleWithCustomName extenderName (extends f rattrs); });
  };

  lists = rec {
    inherit (b) head tail length elem elemAt filter genList concatLists concatMap map sort partition all any;
    singleton = x: [ x ];
    forEach = xs: f: map f xs;
    foldr = op: nul: list:
      let len = b.length list; go = n: if n == len then nul else op (b.elemAt list n) (go (n + 1)); in go 0;
    fold = foldr;
    foldl = op: nul: list:
      let go = n: if n == -1 then nul else op (go (n - 1)) (b.elemAt list n); in go (b.length list - 1);
    foldl' = b.foldl';
    imap0 = f: list: b.genList (n: f n (b.elemAt list n)) (b.length list);
    imap1 = f: list: b.genList (n: f (n + 1) (b.elemAt list n)) (b.length list);
    imap = imap1;
    ifilter0 = ipred: input: map (idx: b.elemAt input idx) (b.filter (idx: ipred idx (b.elemAt input idx)) (range 0 (b.length input - 1)));
    flatten = x: if b.isList x then b.concatMap flatten x else [ x ];
    remove = e: b.filter (x: x != e);
    findSingle = pred: default: multiple: list:
      let found = b.filter pred list; n = b.length found;
      in if n == 0 then default else if n != 1 then multiple else b.head found;
    findFirst = pred: default: list:
      let found = b.filter pred list; in if found == [ ] then default else b.head found;
    findFirstIndex = pred: default: list:
      let idx = b.filter (i: pred (b.elemAt list i)) (range 0 (b.length list - 1)); in if idx == [ ] then default else b.head idx;
    count = pred: b.foldl' (c: x: if pred x then c + 1 else c) 0;
    optional = cond: elem: if cond then [ elem ] else [ ];
    optionals = cond: elems: if cond then elems else [ ];
    toList = x: if b.isList x then x else [ x ];
    range = first: last: if first > last then [ ] else b.genList (n: first + n) (last - first + 1);
    replicate = n: elem: b.genList (_: elem) n;
    groupBy' = op: nul: pred: lst: b.mapAttrs (_: b.foldl' op nul) (b.groupBy pred lst);
    groupBy = b.groupBy;
    zipListsWith = f: fst: snd: b.genList (n: f (b.elemAt fst n) (b.elemAt snd n)) (trivial.min (b.length fst) (b.length snd));
    zipLists = zipListsWith (fst: snd: { inherit fst snd; });
    reverseList = xs: let l = b.length xs; in b.genList (n: b.elemAt xs (l - n - 1)) l;
    sortOn = f: list: map (x: x.v) (b.sort (a: c: a.k < c.k) (map (v: { inherit v; k = f v; }) list));
    compareLists = cmp: a: c:
      if a == [ ] then (if c == [ ] then 0 else -1)
      else if c == [ ] then 1
      else let r = cmp (b.head a) (b.head c); in if r == 0 then compareLists cmp (b.tail a) (b.tail c) else r;
    take = count: sublist 0 count;
    drop = count: list: sublist count (b.length list) list;
    sublist = start: count: list:
      let len = b.length list; in
      b.genList (n: b.elemAt list (n + start))
        (if start >= len then 0 else if start + count > len then len - start else count);
    last = list: assert list != [ ]; b.elemAt list (b.length list - 1);
    init = list: assert list != [ ]; take (b.length list - 1) list;
    unique = b.foldl' (acc: e: if b.elem e acc then acc else acc ++ [ e ]) [ ];
    allUnique = list: b.length (unique list) == b.length list;
    intersectLists = e: b.filter (x: b.elem x e);
    subtractLists = e: b.filter (x: !(b.elem x e));
    mutuallyExclusive = a: c: a == [ ] || (!(b.elem (b.head a) c) && mutuallyExclusive (b.tail a) c);
    crossLists = f: foldl (fs: args: b.concatMap (f: map f args) fs) [ f ];
    listDfs = stopOnCycles: before: list:
      let
        dfs' = us: visited: rest:
          let c = b.filter (x: before x us) visited; b' = b.partition (x: before x us) rest;
          in if stopOnCycles && (b.length c > 0)
            then { cycle = us; loops = c; inherit visited rest; }
            else if b.length b'.right == 0 then { minimal = us; inherit visited rest; }
            else dfs' (b.head b'.right) ([ us ] ++ visited) (b.tail b'.right ++ b'.wrong);
      in dfs' (b.head list) [ ] (b.tail list);
    toposort = before: list:
      let
        dfsthis = listDfs true before list;
        toporest = toposort before (dfsthis.visited ++ dfsthis.rest);
      in
      if b.length list < 2 then { result = list; }
      else if dfsthis ? cycle then { cycle = reverseList ([ dfsthis.cycle ] ++ dfsthis.visited); inherit (dfsthis) loops; }
      else if toporest ? cycle then toporest
      else { result = [ dfsthis.minimal ] ++ toporest.result; };
  };

  attrsets = rec {
    inherit (b) attrNames attrValues hasAttr getAttr removeAttrs intersectAttrs listToAttrs catAttrs mapAttrs zipAttrsWith;
    attrByPath = attrPath: default: set:
      let go = path: s: if path == [ ] then s else let n = b.head path; in if s ? ${n} then go (b.tail path) s.${n} else default;
      in go attrPath set;
    hasAttrByPath = attrPath: e:
      attrPath == [ ] || (let n = b.head attrPath; in b.isAttrs e && e ? ${n} && hasAttrByPath (b.tail attrPath) e.${n});
    setAttrByPath = attrPath: value:
      if attrPath == [ ] then value else { ${b.head attrPath} = setAttrByPath (b.tail attrPath) value; };
    getAttrFromPath = attrPath: set:
      attrByPath attrPath (abort "cannot find attribute `${b.concatStringsSep "." attrPath}'") set;
    attrVals = nameList: set: map (x: set.${x}) nameList;
    getAttrs = names: attrs: b.listToAttrs (map (n: nameValuePair n attrs.${n}) names);
    filterAttrs = pred: set: b.removeAttrs set (b.filter (name: !pred name set.${name}) (b.attrNames set));
    filterAttrsRecursive = pred: set:
      b.listToAttrs (b.concatMap (name: let v = set.${name}; in
        if pred name v then [ (nameValuePair name (if b.isAttrs v then filterAttrsRecursive pred v else v)) ] else [ ]) (b.attrNames set));
    foldAttrs = op: nul: list_of_attrs:
      b.foldl' (a: n: b.foldl' (a': name: a' // { ${name} = op n.${name} (a'.${name} or nul); }) a (b.attrNames n)) { } (lists.reverseList list_of_attrs);
    foldlAttrs = f: init: set: b.foldl' (acc: name: f acc name set.${name}) init (b.attrNames set);
    collect = pred: attrs:
      if pred attrs then [ attrs ] else if b.isAttrs attrs then b.concatMap (collect pred) (b.attrValues attrs) else [ ];
    nameValuePair = name: value: { inherit name value; };
    mapAttrs' = f: set: b.listToAttrs (map (attr: f attr set.${attr}) (b.attrNames set));
    mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (b.attrNames attrs);
    attrsToList = mapAttrsToList nameValuePair;
    concatMapAttrs = f: v: b.foldl' (a: c: a // c) { } (b.attrValues (b.mapAttrs f v));
    mapAttrsRecursive = f: set: mapAttrsRecursiveCond (_: true) f set;
    mapAttrsRecursiveCond = cond: f: set:
      let recurse = path: b.mapAttrs (name: value:
        if b.isAttrs value && cond value then recurse (path ++ [ name ]) value else f (path ++ [ name ]) value);
      in recurse [ ] set;
    genAttrs = names: f: b.listToAttrs (map (n: nameValuePair n (f n)) names);
    isDerivation = value: value.type or null == "derivation";
    optionalAttrs = cond: as: if cond then as else { };
    zipAttrsWithNames = names: f: sets:
      b.listToAttrs (map (name: { inherit name; value = f name (b.catAttrs name sets); }) names);
    zipAttrs = b.zipAttrsWith (_: values: values);
    recursiveUpdateUntil = pred: lhs: rhs:
      let f = attrPath: b.zipAttrsWith (n: values:
        let here = attrPath ++ [ n ]; in
        if b.length values == 1 || pred here (b.elemAt values 1) (b.head values) then b.head values
        else f here values);
      in f [ ] [ rhs lhs ];
    recursiveUpdate = recursiveUpdateUntil (path: lhs: rhs: !(b.isAttrs lhs && b.isAttrs rhs));
    matchAttrs = pattern: attrs:
      b.all (n: attrs ? ${n} && (let p = pattern.${n}; v = attrs.${n}; in
        if b.isAttrs p && b.isAttrs v then matchAttrs p v else p == v)) (b.attrNames pattern);
    overrideExisting = old: new: b.mapAttrs (name: value: new.${name} or value) old;
    unionOfDisjoint = x: y:
      let common = b.intersectAttrs x y; in
      if common == { } then x // y else throw "unionOfDisjoint: collision on ${b.concatStringsSep ", " (b.attrNames common)}";
    mergeAttrsList = b.foldl' (a: c: a // c) { };
    recurseIntoAttrs = attrs: attrs // { recurseForDerivations = true; };
    dontRecurseIntoAttrs = attrs: attrs // { recurseForDerivations = false; };
    getOutput = output: pkg: if !(pkg ? outputSpecified) || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;
    getBin = getOutput "bin";
    getLib = getOutput "lib";
    getDev = getOutput "dev";
    getMan = getOutput "man";
    getExe = x: getExe' x (x.meta.mainProgram or (b.parseDrvName (x.pname or x.name or "unknown")).name);
    getExe' = x: y: "${getBin x}/bin/${y}";
    cartesianProduct = attrsOfLists:
      b.foldl' (listOfAttrs: attrName: b.concatMap (attrs: map (v: attrs // { ${attrName} = v; }) attrsOfLists.${attrName}) listOfAttrs)
        [ { } ] (b.attrNames attrsOfLists);
    cartesianProductOfSets = cartesianProduct;
  };

  strings = rec {
    inherit (b) concatStringsSep replaceStrings stringLength substring match split toString;
    concatStrings = b.concatStringsSep "";
    concatMapStrings = f: list: concatStrings (map f list);
    concatMapStringsSep = sep: f: list: b.concatStringsSep sep (map f list);
    concatImapStringsSep = sep: f: list: b.concatStringsSep sep (lists.imap1 f list);
    concatLines = list: concatStrings (map (s: s + "\n") list);
    intersperse = separator: list:
      if list == [ ] || b.length list == 1 then list
      else b.tail (b.concatMap (x: [ separator x ]) list);
    makeSearchPath = subDir: paths: b.concatStringsSep ":" (map (path: path + "/" + subDir) (b.filter (x: x != null) paths));
    makeSearchPathOutput = output: subDir: pkgs: makeSearchPath subDir (map (attrsets.getOutput output) pkgs);
    makeBinPath = makeSearchPathOutput "bin" "bin";
    makeLibraryPath = makeSearchPathOutput "lib" "lib";
    optionalString = cond: string: if cond then string else "";
    hasPrefix = pref: str: b.substring 0 (b.stringLength pref) str == pref;
    hasSuffix = suffix: content:
      let lc = b.stringLength content; ls = b.stringLength suffix;
      in lc >= ls && b.substring (lc - ls) lc content == suffix;
    hasInfix = infix: content: b.match ".*${escapeRegex infix}.*" "${content}" != null;
    stringToCharacters = s: b.genList (p: b.substring p 1 s) (b.stringLength s);
    stringAsChars = f: s: concatStrings (map f (stringToCharacters s));
    escape = list: b.replaceStrings list (map (c: "\\${c}") list);
    escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
    escapeShellArg = arg:
      let s = b.toString arg; in
      if b.match "[[:alnum:],._+:@%/-]+" s == null then "'${b.replaceStrings [ "'" ] [ "'\\''" ] s}'" else s;
    escapeShellArgs = concatMapStringsSep " " escapeShellArg;
    escapeNixString = s: escape [ "$" ] (b.toJSON s);
    lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
    upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    toLower = b.replaceStrings upperChars lowerChars;
    toUpper = b.replaceStrings lowerChars upperChars;
    splitString = sep: s: b.filter b.isString (b.split (escapeRegex (b.toString sep)) (b.toString s));
    removePrefix = prefix: str:
      let pl = b.stringLength prefix; in
      if b.substring 0 pl str == prefix then b.substring pl (b.stringLength str - pl) str else str;
    removeSuffix = suffix: str:
      let sl = b.stringLength suffix; l = b.stringLength str; in
      if sl <= l && b.substring (l - sl) sl str == suffix then b.substring 0 (l - sl) str else str;
    versionOlder = v1: v2: b.compareVersions v2 v1 == 1;
    versionAtLeast = v1: v2: !versionOlder v1 v2;
    getName = x: (b.parseDrvName (if b.isString x then x else x.name)).name;
    getVersion = x: (b.parseDrvName (if b.isString x then x else x.name)).version;
    enableFeature = enable: feat: "--${if enable then "enable" else "disable"}-${feat}";
    withFeature = with_: feat: "--${if with_ then "with" else "without"}-${feat}";
    fixedWidthString = width: filler: str:
      let strw = b.stringLength str; in
      if strw >= width then str else fixedWidthString width filler (filler + str);
    fixedWidthNumber = width: n: fixedWidthString width "0" (b.toString n);
    toInt = str:
      let m = b.match "[[:space:]]*(-?[0-9]+)[[:space:]]*" str; in
      if m == null then throw "could not convert '${str}' to an integer" else b.fromJSON (b.head m);
    toIntBase10 = str:
      let m = b.match "[[:space:]]*0*(-?[0-9]+)[[:space:]]*" str; in
      if m == null then throw "could not convert '${str}' to an integer" else b.fromJSON (b.head m);
    trim = s:
      let m = b.match "[[:space:]]*(.*[^[:space:]])[[:space:]]*" s; in if m == null then "" else b.head m;
    isStringLike = x: b.isString x || b.isPath x || x ? outPath || x ? __toString;
    isConvertibleWithToString = x: isStringLike x || b.elem (b.typeOf x) [ "null" "int" "float" "bool" ] || (b.isList x && b.all isConvertibleWithToString x);
    isStorePath = x:
      isStringLike x && (let s = b.toString x; in
        b.substring 0 (b.stringLength b.storeDir + 1) s == "${b.storeDir}/" && b.match "[0-9a-z]{32}-.*" (b.substring (b.stringLength b.storeDir + 1) 999 s) != null);
    # NixOS's activation-script helpers.
    stringAfter = deps: text: { inherit text deps; };
    noDepEntry = text: { inherit text; deps = [ ]; };
    fullDepEntry = text: deps: { inherit text deps; };
    fileContents = file: removeSuffix "\n" (b.readFile file);
    addContextFrom = a: c: b.substring 0 0 a + c;
    normalizePath = s: b.foldl' (x: y: if y == "/" && hasSuffix "/" x then x else x + y) "" (stringToCharacters s);
    sanitizeDerivationName = s: b.replaceStrings [ "/" " " ] [ "-" "-" ] s;
    commonPrefixLength = a: c:
      let m = trivial.min (b.stringLength a) (b.stringLength c);
        go = i: if i >= m || b.substring i 1 a != b.substring i 1 c then i else go (i + 1);
      in go 0;
  };

  versions = rec {
    splitVersion = b.splitVersion;
    major = v: b.elemAt (splitVersion v) 0;
    minor = v: b.elemAt (splitVersion v) 1;
    patch = v: b.elemAt (splitVersion v) 2;
    majorMinor = v: b.concatStringsSep "." (lists.take 2 (splitVersion v));
  };

  asserts = {
    assertMsg = pred: msg: pred || throw msg;
    assertOneOf = name: val: xs:
      b.elem val xs || throw "${name} must be one of ${b.toJSON xs}, but is: ${b.toJSON val}";
  };

  generators = {
    inherit (moreB) mkValueStringDefault mkKeyValueDefault toKeyValue toINI toPretty withRecursion toLua
      mkLuaInline toGitINI toINIWithGlobalSection toPlist toDhall mkDconfKeyValue toDconfINI;
    toJSON = { }: b.toJSON;
    toYAML = { }: b.toJSON;
  };

  options = import ./options.nix lib;

  # More of nixpkgs' lib as real configurations call it (checked against
  # the real lib by tests/upstream_lib.rs, tests/upstream/lib-cases.nix).
  more = {
    inherit (b) add sub mul div lessThan ceil floor baseNameOf dirOf pathExists readFile readDir
      hashString toFile toXML fromTOML genericClosure placeholder parseDrvName filterSource
      hasContext getContext appendContext addErrorContext unsafeDiscardStringContext
      unsafeDiscardOutputDependency unsafeGetAttrPos trace compareVersions splitVersion;
    bitNot = b.sub (-1);
    # A package's meta.priority: lower wins in a profile or buildEnv.
    addMetaAttrs = newAttrs: drv:
      if drv ? overrideAttrs then drv.overrideAttrs (old: { meta = (old.meta or { }) // newAttrs; })
      else drv // { meta = (drv.meta or { }) // newAttrs; };
    setPrio = priority: more.addMetaAttrs { inherit priority; };
    lowPrio = more.setPrio 10;
    hiPrio = more.setPrio (-10);
    # Only the derivations of the set are changed.
    mapDerivationAttrset = f: b.mapAttrs (_: v: if attrsets.isDerivation v then f v else v);
    lowPrioSet = more.mapDerivationAttrset more.lowPrio;
    hiPrioSet = more.mapDerivationAttrset more.hiPrio;
    defaultPriority = 5;
    mapNullable = f: a: if a == null then a else f a;
    ifEnable = cond: val:
      if cond then val else if b.isList val then [ ] else if b.isAttrs val then { }
      else if val == true || val == false then false else null;
    boolToYesNo = x: if x then "yes" else "no";
    isType = type: x: (x._type or "") == type;
    setType = type: value: value // { _type = type; };
    mapCartesianProduct = f: attrsOfLists: map f (attrsets.cartesianProduct attrsOfLists);
    takeEnd = n: xs: lists.drop (trivial.max 0 (b.length xs - n)) xs;
    dropEnd = n: xs: lists.take (trivial.max 0 (b.length xs - n)) xs;
    replaceElemAt = list: i: x:
      if i < 0 || i >= b.length list then throw "lib.replaceElemAt: index ${toString i} is out of the list's range"
      else b.genList (j: if j == i then x else b.elemAt list j) (b.length list);
    uniqueStrings = list: b.attrNames (b.listToAttrs (map (name: { inherit name; value = null; }) list));
    toBaseDigits = base: i:
      let go = n: if n < base then [ n ] else go (n / base) ++ [ (n - (n / base) * base) ];
      in if base < 2 then throw "lib.toBaseDigits: the base must be at least 2" else go i;
    toHexString = i:
      b.concatStringsSep "" (map (d: b.elemAt [ "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" "A" "B" "C" "D" "E" "F" ] d) (more.toBaseDigits 16 i));
    fromHexString = str:
      let
        digits = strings.stringToCharacters (strings.toLower (strings.removePrefix "0x" (strings.toLower str)));
        value = c: let i = lists.findFirst (j: b.elemAt hex j == c) null (b.genList (j: j) 16); in
          if i == null then throw "lib.fromHexString: ${str} is not a hexadecimal number" else i;
        hex = [ "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" "a" "b" "c" "d" "e" "f" ];
      in b.foldl' (acc: c: acc * 16 + value c) 0 digits;
    escapeXML = b.replaceStrings [ "\"" "'" "<" ">" "&" ] [ "&quot;" "&apos;" "&lt;" "&gt;" "&amp;" ];
    escapeURL =
      let
        unreserved = strings.stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
        ascii = b.genList (i: i) 128;
        charOf = i: b.substring i 1 " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
        printable = b.filter (i: i >= 32 && i < 127) ascii;
        reserved = b.filter (c: !(b.elem c unreserved)) (map (i: charOf (i - 32)) printable);
        code = c: "%" + more.toHexString (32 + lists.findFirst (i: charOf i == c) 0 (b.genList (i: i) 95));
      in b.replaceStrings ([ "\t" "\n" "\r" ] ++ reserved) ([ "%09" "%0A" "%0D" ] ++ map code reserved);
    toSentenceCase = str:
      if str == "" then str
      else strings.toUpper (b.substring 0 1 str) + strings.toLower (b.substring 1 (-1) str);
    isValidPosixName = name: b.match "[a-zA-Z_][a-zA-Z0-9_]*" name != null;
    toShellVar = name: value:
      if !(more.isValidPosixName name) then throw "toShellVar: ${name} is not a valid shell variable name"
      else if b.isAttrs value && !(strings.isStringLike value) then
        "declare -A ${name}=(${b.concatStringsSep " " (attrsets.mapAttrsToList (n: v: "[${strings.escapeShellArg n}]=${strings.escapeShellArg v}") value)})"
      else if b.isList value then "declare -a ${name}=(${strings.escapeShellArgs value})"
      else "${name}=${strings.escapeShellArg value}";
    toShellVars = vars: b.concatStringsSep "\n" (attrsets.mapAttrsToList more.toShellVar vars);
    concatImapStrings = f: list: strings.concatStrings (lists.imap1 f list);
    concatMapAttrsStringSep = sep: f: attrs: b.concatStringsSep sep (attrsets.mapAttrsToList f attrs);
    concatAttrValues = set: b.concatLists (b.attrValues set);
    "genAttrs'" = xs: f: b.listToAttrs (map f xs);
    replaceString = from: to: b.replaceStrings [ from ] [ to ];
    join = b.concatStringsSep;
    cmakeOptionType = type: feature: value: "-D${feature}:${strings.toUpper type}=${value}";
    cmakeBool = condition: flag: more.cmakeOptionType "bool" condition (if flag then "TRUE" else "FALSE");
    cmakeFeature = feature: value: more.cmakeOptionType "string" feature value;
    mesonOption = feature: value: "-D${feature}=${value}";
    mesonBool = condition: flag: more.mesonOption condition (trivial.boolToString flag);
    mesonEnable = feature: flag: more.mesonOption feature (if flag then "enabled" else "disabled");
    enableFeatureAs = flag: feature: value: strings.enableFeature flag feature + strings.optionalString flag "=${value}";
    withFeatureAs = flag: feature: value: strings.withFeature flag feature + strings.optionalString flag "=${value}";
    traceIf = pred: msg: x: if pred then b.trace msg x else x;
    traceVal = x: b.trace x x;
    traceValFn = f: x: b.trace (f x) x;
    traceSeq = x: y: b.trace (b.deepSeq x x) y;
    traceValSeq = x: b.trace (b.deepSeq x x) x;
    traceValSeqFn = f: x: b.trace (f (b.deepSeq x x)) x;
    maybeEnv = name: default: let v = b.getEnv name; in if v == "" then default else v;
    nameFromURL = url: sep:
      let
        filename = lists.last (strings.splitString "/" url);
        name = b.head (strings.splitString sep filename);
      in
      if name == filename then throw "lib.nameFromURL: ${url} has no ${sep} in its last component" else name;
    showAttrPath = path:
      if path == [ ] then "<root attribute path>"
      else
        let
          keywords = [ "if" "then" "else" "assert" "with" "let" "in" "rec" "inherit" ];
          plain = p: b.match "[a-zA-Z_][a-zA-Z0-9_'-]*" p != null && !(b.elem p keywords);
          quoted = p: "\"" + b.replaceStrings [ "\\" "\"" "\n" "\r" "\t" "$" ] [ "\\\\" "\\\"" "\\n" "\\r" "\\t" "\\$" ] p + "\"";
        in
        b.concatStringsSep "." (map (p: if plain p then p else quoted p) path);
    maybeAttr = name: default: attrs: attrs.${name} or default;
    # Package functions made re-callable. `makeOverridable f args` is
    # `f args` with an `override` that calls `f` again with changed
    # arguments (a set, or a function of the old ones, merged over them).
    # A set result also gets `overrideDerivation`, and a re-wrapped
    # `overrideAttrs` when it has one, whose results are overridable in
    # turn. Every function handed out takes what `f` takes (functionArgs),
    # so that callPackage fills them in. A callable set `f` keeps its other
    # attributes, and its own `override` is wrapped the same way.
    makeOverridable = f:
      let
        sameArgsAsF = trivial.mirrorFunctionArgs f;
        # `f` called with `args`, with the overriders added to its result.
        decorated = args:
          let
            result = f args;
            # `make` (arguments -> value) called with these `args`, re-wrapped.
            remake = make: more.makeOverridable (sameArgsAsF make) args;
            override = sameArgsAsF (changes:
              more.makeOverridable f (args // (if trivial.isFunction changes then changes args else changes)));
          in
          if b.isAttrs result then
            result
            // {
              inherit override;
              overrideDerivation = change: remake (given: lib.overrideDerivation (f given) change);
            }
            // (if result ? overrideAttrs
                then { overrideAttrs = change: remake (given: (f given).overrideAttrs change); }
                else { })
          else if trivial.isFunction result then
            trivial.setFunctionArgs result (trivial.functionArgs result) // { inherit override; }
          else result;
        callable = sameArgsAsF decorated;
      in
      if b.isAttrs f then
        f // callable
        // (if f ? override then { override = change: more.makeOverridable (f.override change); } else { })
      else callable;
    # Call `fn` (a function, or a file holding one) with the arguments it
    # names that `autoArgs` has, overridden by `args`; the result is
    # overridable. An argument without a default that neither provides
    # stops evaluation (abort, uncatchable, as nixpkgs': tryEval must not
    # hide a broken package), naming the first one, where it is declared,
    # and up to three close names that were available.
    callPackageWith =
      let
        missingMessage = available: wanted: lacking:
          let
            name = b.head (b.filter (n: !wanted.${n}) (b.attrNames lacking));
            close = lists.take 3 (lists.sortOn (moreA.levenshtein name)
              (b.filter (moreA.levenshteinAtMost 2 name) (b.attrNames available)));
            quoted = map (n: "\"${n}\"") close;
            hint =
              if quoted == [ ] then ""
              else if b.length quoted == 1 then ", did you mean ${b.head quoted}?"
              else ", did you mean ${b.concatStringsSep ", " (lists.init quoted)} or ${lists.last quoted}?";
            pos = b.unsafeGetAttrPos name wanted;
            where = if pos == null then "<unknown location>" else "${pos.file}:${toString pos.line}";
          in
          "lib.customisation.callPackageWith: Function called without required argument \"${name}\" at ${where}${hint}";
      in
      autoArgs: fn: args:
      let
        f = if trivial.isFunction fn then fn else import fn;
        wanted = trivial.functionArgs f;
        given = b.intersectAttrs wanted autoArgs // args;
        lacking = b.removeAttrs wanted (b.attrNames given);
      in
      if b.all (hasDefault: hasDefault) (b.attrValues lacking) then more.makeOverridable f given
      else abort (missingMessage (autoArgs // args) wanted lacking);
  };
in
lib
