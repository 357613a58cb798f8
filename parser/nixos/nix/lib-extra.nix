# More of nixpkgs' lib for nixplan's stand-in (lib.nix merges it in): whole
# namespaces the first stand-in lacked (kernel, cli, filesystem, flakes,
# derivations) and strings/lists functions of newer nixpkgs. Written for
# nixplan from nixpkgs' documentation of each function; the results are
# checked against the real lib by tests/upstream/lib-cases.nix.
lib:
let
  b = builtins;
  ws = " \t\r\n";
  # Builtins of newer Nix than some that run this lib (nix 2.8 in tests).
  newer = name: b.${name} or (throw "builtins.${name} is not in this Nix (${b.nixVersion or "?"})");
in
rec {
  # Linux kernel configuration values, as NixOS's kernel config reads them.
  kernel = {
    yes = { tristate = "y"; optional = false; };
    no = { tristate = "n"; optional = false; };
    module = { tristate = "m"; optional = false; };
    unset = { tristate = null; optional = false; };
    freeform = value: { freeform = value; optional = false; };
    option = setting: setting // { optional = true; };
    whenHelpers = version: {
      whenAtLeast = v: lib.mkIf (lib.versionAtLeast version v);
      whenOlder = v: lib.mkIf (lib.versionOlder version v);
      # [low, high)
      whenBetween = low: high: lib.mkIf (lib.versionAtLeast version low && lib.versionOlder version high);
    };
  };

  cli = rec {
    # The general form: `optionFormat NAME` gives { option; sep; explicitBool;
    # formatArg ? }; null values are left out, lists repeat the option.
    toCommandLine = optionFormat: attrs:
      let
        render = name: value:
          let
            spec = optionFormat name;
            format = spec.formatArg or (lib.generators.mkValueStringDefault { });
            withArg = arg:
              if spec.sep == null then [ spec.option arg ] else [ "${spec.option}${spec.sep}${arg}" ];
            one = v:
              if v == null then [ ]
              else if b.isBool v && !spec.explicitBool then (if v then [ spec.option ] else [ ])
              else withArg (format v);
          in
          if name == "" then throw "lib.cli.toCommandLine: an option's name must not be empty"
          else if b.isList value then b.concatMap one value
          else one value;
      in
      b.concatLists (lib.mapAttrsToList render attrs);
    toCommandLineShell = optionFormat: attrs: lib.escapeShellArgs (toCommandLine optionFormat attrs);
    toCommandLineGNU =
      { isLong ? name: b.stringLength name > 1
      , explicitBool ? false
      , formatArg ? lib.generators.mkValueStringDefault { }
      }:
      toCommandLine (name: {
        option = (if isLong name then "--" else "-") + name;
        sep = if isLong name then "=" else "";
        inherit explicitBool formatArg;
      });
    toCommandLineShellGNU = options: attrs: lib.escapeShellArgs (toCommandLineGNU options attrs);
    # The older form (deprecated in nixpkgs 25.11, which warns as here).
    toGNUCommandLine = lib.warnIf (lib.oldestSupportedReleaseIsAtLeast 2511)
      "lib.cli.toGNUCommandLine is deprecated, please use lib.cli.toCommandLine or lib.cli.toCommandLineShellGNU instead."
      ({ mkOptionName ? k: if b.stringLength k == 1 then "-${k}" else "--${k}"
       , mkBool ? k: v: if v then [ (mkOptionName k) ] else [ ]
       , mkList ? k: v: b.concatMap (mkOption k) v
       , mkOption ? k: v:
           let arg = lib.generators.mkValueStringDefault { } v; in
           if v == null then [ ]
           else if optionValueSeparator == null then [ (mkOptionName k) arg ]
           else [ "${mkOptionName k}${optionValueSeparator}${arg}" ]
       , optionValueSeparator ? null
       }: options:
        b.concatLists (lib.mapAttrsToList (k: v:
          if b.isBool v then mkBool k v else if b.isList v then mkList k v else mkOption k v) options));
    toGNUCommandLineShell = lib.warnIf (lib.oldestSupportedReleaseIsAtLeast 2511)
      "lib.cli.toGNUCommandLineShell is deprecated, please use lib.cli.toCommandLineShell or lib.cli.toCommandLineShellGNU instead."
      (options: attrs: lib.escapeShellArgs (cli.toGNUCommandLine options attrs));
  };

  filesystem = {
    inherit (b) baseNameOf dirOf isPath readDir;
    readFileType = newer "readFileType";
    inherit pathType pathIsDirectory pathIsRegularFile;
    hashFile = type: path: b.hashFile type path;
    # Every file below `dir` (not directories), as paths.
    listFilesRecursive = dir:
      lib.flatten (lib.mapAttrsToList (name: type:
        if type == "directory" then filesystem.listFilesRecursive (dir + "/${name}")
        else dir + "/${name}") (b.readDir dir));
    # The nearest directory at or above `file`'s that has an entry matching
    # `pattern`: { path; matches; }, or null.
    # (`file` itself when it is a directory).
    locateDominatingFile = pattern: file:
      let
        up = dir:
          let found = b.filter (m: m != null) (map (b.match pattern) (b.attrNames (b.readDir dir)));
          in
          if found != [ ] then { path = dir; matches = found; }
          else if toString dir == "/" then null
          else up (b.dirOf dir);
        isDir = toString file == "/" || ((b.readDir (b.dirOf file)).${b.baseNameOf file} or null) == "directory";
      in
      up (if isDir then file else b.dirOf file);
    # The packages of `root`: each subdirectory NAME with NAME/NAME.cabal.
    haskellPathsInDir = root:
      lib.listToAttrs (b.filter (e: b.pathExists (e.value + "/${e.name}.cabal"))
        (map (name: { inherit name; value = root + "/${name}"; }) (b.attrNames (b.readDir root))));
    # A directory (or a string ending in /) means its default.nix.
    resolveDefaultNix = v:
      if pathIsDirectory v then v + "/default.nix"
      else if b.isString v && lib.hasSuffix "/" v then v + "default.nix"
      else v;
  };
  inherit (derivations) optionalDrvAttr warnOnInstantiate addDrvOutputDependencies;
  inherit (flakes) parseFlakeRef flakeRefToString;
  inherit (filesystem) hashFile readFileType;
  pathType = filesystem.readFileType;
  pathIsDirectory = path: b.pathExists path && pathType path == "directory";
  pathIsRegularFile = path: b.pathExists path && pathType path == "regular";

  flakes = {
    parseFlakeRef = newer "parseFlakeRef";
    flakeRefToString = newer "flakeRefToString";
  };

  derivations = {
    inherit (b) unsafeDiscardOutputDependency;
    addDrvOutputDependencies = newer "addDrvOutputDependencies";
    # `value` where `cond` holds, else null (an attribute mkDerivation drops).
    optionalDrvAttr = cond: value: if cond then value else null;
    # The derivation, warning `msg` when it is instantiated (its drvPath or
    # outputs are read), not when its other attributes are.
    warnOnInstantiate = msg: drv:
      let warned = lib.warn msg drv; in
      drv // lib.genAttrs ([ "drvPath" ] ++ drv.outputs or [ ]) (name: warned.${name});
  };

  meta = {
    inherit (lib) addMetaAttrs setPrio lowPrio hiPrio lowPrioSet hiPrioSet mapDerivationAttrset
      getExe getExe' defaultPriority;
    inherit dontDistribute setName updateName appendToName;
  };
  # Keep a package out of Hydra's binary cache.
  dontDistribute = drv: lib.addMetaAttrs { hydraPlatforms = [ ]; } drv;
  # A package's name (and its version, by parseDrvName).
  setName = name: drv: drv // { inherit name; };
  updateName = update: drv: drv // { name = update (drv.name); };
  appendToName = suffix: updateName (name:
    let parsed = b.parseDrvName name; in "${parsed.name}-${suffix}-${parsed.version}");

  # The first of `outputs` that the package has (itself if an output was
  # chosen already, or if it has none of them).
  getFirstOutput = outputs: pkg:
    let present = b.filter (o: b.hasAttr o pkg) outputs; in
    if pkg.outputSpecified or false || present == [ ] then pkg else pkg.${b.head present};
  getInclude = getFirstOutput [ "include" "dev" "out" ];
  getStatic = getFirstOutput [ "static" "lib" "out" ];
  chooseDevOutputs = map lib.getDev;

  # Apply f until the value stops changing.
  converge = f: x: let next = f x; in if next == x then x else converge f next;
  # An overlay from an attribute set, a function of prev, or an overlay.
  toExtension = f:
    if lib.isFunction f then
      final: prev: let applied = f prev; in if lib.isFunction applied then f final prev else applied
    else
      final: prev: f;

  fakeSha512 = "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
  convertHash = newer "convertHash";
  # Whether this evaluation is pure (no builtins.currentSystem).
  inPureEvalMode = !(b ? currentSystem);
  info = msg: b.trace "INFO: ${msg}";
  # Each given value must be one of `valid`, else an error naming the others.
  checkListOfEnum = msg: valid: given:
    let unexpected = lib.subtractLists valid given; in
    if unexpected == [ ] then x: x
    else throw "${msg}: ${b.concatStringsSep ", " (map toString unexpected)} unexpected; valid ones: ${b.concatStringsSep ", " (map toString valid)}";
  assertEachOneOf = name: values: valid:
    b.all (v: lib.assertOneOf name v valid) values;

  # Leaves of a nested set, as a list of `f path value` (recursing into a
  # set where `cond path set` holds).
  mapAttrsToListRecursiveCond = cond: f: set:
    let
      go = path: attrs: b.concatLists (lib.mapAttrsToList (name: value:
        let p = path ++ [ name ]; in
        if b.isAttrs value && cond p value then go p value
        else [ (f p value) ]) attrs);
    in
    go [ ] set;
  mapAttrsToListRecursive = mapAttrsToListRecursiveCond (_: _: true);

  commonPrefix = l1: l2:
    let
      n = lib.min (b.length l1) (b.length l2);
      same = i: i < n && b.elemAt l1 i == b.elemAt l2 i;
      count = i: if same i then count (i + 1) else i;
    in
    lib.take (count 0) l1;

  # Strings of newer nixpkgs.
  charToInt = c:
    let found = lib.lists.findFirst (i: b.elemAt ascii i == c) null (b.genList (i: i) 128); in
    if found == null then throw "charToInt: ${c} is not an ASCII character" else found;
  ascii = b.genList (i:
    if i == 0 then null # a Nix string cannot hold NUL
    else if i < 32 || i == 127 then b.fromJSON "\"\\u${lib.fixedWidthString 4 "0" (lib.toHexString i)}\""
    else b.substring (i - 32) 1 " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") 128;
  # Each character of `list` as \xNN (two lower-case hex digits).
  escapeC = list: b.replaceStrings list
    (map (c: "\\x${lib.fixedWidthString 2 "0" (lib.toLower (lib.toHexString (charToInt c)))}") list);
  # As it may stand as an attribute name: quoted unless it is an identifier
  # that is not one of Nix's keywords.
  escapeNixIdentifier = s:
    if b.match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null
      && !b.elem s [ "assert" "else" "if" "in" "inherit" "let" "or" "rec" "then" "with" ]
    then s
    else lib.escapeNixString s;
  floatToString = f:
    let s = toString f; in lib.warnIf (f != b.fromJSON s) "Imprecise conversion from float to string ${s}" s;
  # How many characters at the end two strings have in common.
  commonSuffixLength = x: y:
    let
      lx = b.stringLength x;
      ly = b.stringLength y;
      m = lib.min lx ly;
      go = i: if i < m && b.substring (lx - i - 1) 1 x == b.substring (ly - i - 1) 1 y then go (i + 1) else i;
    in
    go 0;
  makeIncludePath = lib.makeSearchPathOutput "dev" "include";
  storeDir = b.storeDir;

  # A version with exactly n components (padded with 0 or cut), what
  # follows its first "-" kept ("1.3-rc1" -> "1.3.0-rc1").
  versionPad = n: version:
    let
      numeric = b.head (lib.splitString "-" version);
      suffix = lib.removePrefix numeric version;
    in
    b.concatStringsSep "." (lib.take n (b.splitVersion numeric ++ b.genList (_: "0") n)) + suffix;

  # A lib with more in it: `extend (final: prev: { ... })`. The stand-in's
  # own functions keep calling the stand-in (an extension that replaces one
  # of them changes what the configuration calls, not what lib calls).
  extend = f:
    let
      # Every extension sees the whole result as `final` and what came
      # before it as `prev`, as the overlays of a fixed point do.
      withAll = extensions:
        let
          self = b.foldl' (prev: g: prev // g self prev) lib extensions
            // { extend = g: withAll (extensions ++ [ g ]); };
        in
        self;
    in
    withAll [ f ];

  debug = {
    inherit (lib) traceIf traceVal traceValFn traceSeq traceValSeq traceValSeqFn;
    inherit (b) addErrorContext trace unsafeGetAttrPos;
    inherit traceSeqN traceValSeqN traceValSeqNFn traceFnSeqN runTests testAllTrue throwTestFailures;
  };
  # `x` printed down to `depth` levels (deeper ones as [...] and {...}),
  # forcing only that much of it; then y.
  traceSeqN = depth: x: y: b.trace (showTo depth x) y;
  traceValSeqN = depth: v: traceSeqN depth v v;
  traceValSeqNFn = f: depth: v: traceSeqN depth (f v) v;
  traceFnSeqN = depth: name: f: v:
    let result = f v; in traceSeqN (depth + 1) { fn = name; from = v; to = result; } result;
  showTo = n: v:
    if b.isList v then (if n == 0 then "[…]" else "[ " + lib.concatMapStrings (e: showTo (n - 1) e + " ") v + "]")
    else if b.isAttrs v then
      (if n == 0 then "{…}" else "{ " + lib.concatStrings (lib.mapAttrsToList (k: e: "${k} = ${showTo (n - 1) e}; ") v) + "}")
    else if b.isString v then b.toJSON v
    else if lib.isFunction v then "<function>"
    else if v == null then "null"
    else if b.isBool v then lib.boolToString v
    else toString v;
  # The failed ones of `tests` ({ testNAME = { expr; expected; }; }, or
  # only those named in `tests.tests`): { name; expected; result; } each.
  runTests = tests:
    let chosen = tests.tests or [ ]; in
    b.concatLists (b.attrValues (b.mapAttrs (name: test:
      if (b.substring 0 4 name == "test" || b.elem name chosen)
        && (chosen == [ ] || b.elem name chosen)
        && test.expr != test.expected
      then [ { inherit name; inherit (test) expected; result = test.expr; } ]
      else [ ]) tests));
  testAllTrue = expr: { inherit expr; expected = map (_: true) expr; };
  # null when nothing failed; else an error listing the failures.
  throwTestFailures = { failures, description ? "tests", ... }:
    if failures == [ ] then null
    else
      b.foldl' (acc: f: b.trace "FAIL ${f.name}:\n  Expected: ${showTo 8 f.expected}\n    Result: ${showTo 8 f.result}" acc) null failures
      == null && throw "${toString (b.length failures)} ${description} failed:\n${lib.concatMapStrings (f: "- ${f.name}\n") failures}";

  # Strings of newer nixpkgs.
  trimWith = { start ? false, end ? false }: s:
    let
      pattern =
        if start && end then "[${ws}]*(.*[^${ws}])[${ws}]*"
        else if start then "[${ws}]*(.*)"
        else if end then "(.*[^${ws}])[${ws}]*"
        else "(.*)";
      m = b.match pattern s;
    in
    if m == null then "" else b.head m;

  # Split where `predicate previous current` holds (previous is "" for the
  # first character); the character split at starts the next piece when
  # `keepSplit`, else it is dropped.
  splitStringBy = predicate: keepSplit: str:
    let
      chars = lib.stringToCharacters str;
      step = acc: i:
        let
          c = b.elemAt chars i;
          prev = if i == 0 then "" else b.elemAt chars (i - 1);
        in
        if predicate prev c then { done = acc.done ++ [ acc.cur ]; cur = if keepSplit then c else ""; }
        else acc // { cur = acc.cur + c; };
      end = b.foldl' step { done = [ ]; cur = ""; } (b.genList (i: i) (b.length chars));
    in
    end.done ++ [ end.cur ];

  # snake_case, kebab-case, "spaced words" and PascalCase to camelCase: the
  # words are cut at -, _ and space (dropped) and before an upper-case
  # letter that follows a lower-case one (kept); the first is lower-cased,
  # the others sentence-cased (an empty word stays empty).
  toCamelCase = str:
    let
      parts = splitStringBy (prev: cur: b.elem cur [ "-" "_" " " ]) false str;
      words = b.concatMap (splitStringBy (prev: cur: b.match "[a-z]" prev != null && b.match "[A-Z]" cur != null) true) parts;
    in
    lib.toLower (b.head words) + lib.concatMapStrings lib.toSentenceCase (b.tail words);

  # Numbers inside strings compare as numbers: disk8 < disk11. A string
  # is cut into text and numbers (each 0 a number of its own), compared
  # piece by piece.
  naturalSort = list:
    let
      number = digits: b.foldl' (n: c: n * 10 + b.fromJSON c) 0 (lib.stringToCharacters digits);
      pieces = s: map (p: if b.isList p then number (b.head p) else p) (b.split "(0|[1-9][0-9]*)" s);
      order = p: q: if p < q then -1 else if q < p then 1 else 0;
      keyed = map (s: { key = pieces s; value = s; }) list;
    in
    map (x: x.value) (b.sort (x: y: lib.compareLists order x.key y.key < 0) keyed);
}
