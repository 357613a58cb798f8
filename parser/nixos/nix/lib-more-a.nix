# Yet more of nixpkgs' lib for nixplan's stand-in: path values and
# subpath strings (lib.path), IPv6 addresses (lib.network), edit
# distances, nested attribute updates, the version strings of the lib
# itself, the hash arguments of fetchers, and the assertion check of a
# module evaluation. Written for nixplan from nixpkgs' documentation of each
# function; the results are checked against the real lib by
# tests/upstream/lib-cases-a.nix.
#
# Where each attribute belongs in nixpkgs' lib:
#   path                    -> lib.path (the whole namespace: append, hasPrefix,
#                              removePrefix, splitRoot, hasStorePathPrefix,
#                              subpath.{isValid,join,components,normalise})
#   network                 -> lib.network (the whole namespace: ipv6.fromString,
#                              ipv6.mkEUI64Suffix)
#   mkEUI64Suffix           -> lib.mkEUI64Suffix (= lib.network.ipv6.mkEUI64Suffix)
#   levenshtein             -> lib.strings.levenshtein
#   levenshteinAtMost       -> lib.strings.levenshteinAtMost
#   splitByAndCompare       -> lib.splitByAndCompare and lib.trivial.splitByAndCompare
#   updateManyAttrsByPath   -> lib.updateManyAttrsByPath and lib.attrsets.updateManyAttrsByPath
#   longestValidPathPrefix  -> lib.attrsets.longestValidPathPrefix
#   nixpkgsVersion          -> lib.nixpkgsVersion and lib.trivial.nixpkgsVersion
#   versionSuffix           -> lib.trivial.versionSuffix
#   revisionWithDefault     -> lib.trivial.revisionWithDefault
#   fetchers                -> lib.fetchers (the whole namespace: proxyImpureEnvVars,
#                              normalizeHash, withNormalizedHash)
#   checkAssertWarn         -> lib.asserts.checkAssertWarn
lib:
let
  b = builtins;

  len = b.stringLength;
  chars = s: b.genList (i: b.substring i 1 s) (len s);
  smaller = x: y: if x < y then x else y;
  # The first n elements of a list (n at most its length).
  firstOf = n: list: b.genList (b.elemAt list) n;
  afterFirst = n: list: b.genList (i: b.elemAt list (i + n)) (b.length list - n);
  startsWithList = front: list:
    b.length front <= b.length list && firstOf (b.length front) list == front;

  # ---- lib.path -------------------------------------------------------

  # The pieces of a string between its slashes.
  slashPieces = s: b.filter b.isString (b.split "/" s);

  # Why `v` is not a subpath string, or null when it is one: a subpath is a
  # non-empty string, not absolute, with no ".." among its pieces.
  notSubpath = v:
    if !b.isString v then "it is of type ${b.typeOf v}, not a string"
    else if v == "" then "it is the empty string"
    else if b.substring 0 1 v == "/" then "\"${v}\" is absolute (it starts with a `/`)"
    else if b.elem ".." (slashPieces v) then "\"${v}\" has a `..` component, which subpaths may not have"
    else null;
  isSubpath = v: notSubpath v == null;

  # The names a subpath leads through: empty pieces (of repeated or
  # trailing slashes) and "." do not count.
  subpathNames = s: b.filter (p: p != "" && p != ".") (slashPieces s);
  # The normal form of a subpath with these names: "./" first, "./." for none.
  showSubpath = names: if names == [ ] then "./." else "./" + b.concatStringsSep "/" names;

  # A path value's filesystem root: where going to the parent changes nothing.
  rootOf = p: let up = b.dirOf p; in if up == p then p else rootOf up;
  # The names from the root down to a path value (Nix keeps path values
  # canonical: no ".", "..", or repeated slashes in them).
  pathNames = p: b.filter (n: n != "") (slashPieces (toString p));

  needPath = fn: what: v:
    if b.isPath v then v
    else throw "lib.path.${fn}: ${what} is of type ${b.typeOf v}, but a path was expected";
  needSubpath = fn: what: v:
    let why = notSubpath v; in
    if why == null then v
    else throw "lib.path.${fn}: ${what} is not a valid subpath string: ${why}";
  needSameRoot = fn: p: q:
    if rootOf p == rootOf q then true
    else throw "lib.path.${fn}: the paths \"${toString p}\" and \"${toString q}\" have different filesystem roots";

  storeNames = subpathNames b.storeDir;

  path = {
    append = base: sub:
      let
        base' = needPath "append" "the first argument" base;
        sub' = needSubpath "append" "the second argument" sub;
      in
      base' + ("/" + sub');

    # Whether `whole` lies at or below `front`, compared name by name. The
    # first argument is checked as soon as it is given.
    hasPrefix = front:
      let
        front' = needPath "hasPrefix" "the first argument" front;
        below = whole:
          let whole' = needPath "hasPrefix" "the second argument" whole; in
          assert needSameRoot "hasPrefix" front' whole';
          startsWithList (pathNames front') (pathNames whole');
      in
      b.seq front' below;

    # What leads from `front` down to `whole`, as a normal subpath.
    removePrefix = front:
      let
        front' = needPath "removePrefix" "the first argument" front;
        rest = whole:
          let
            whole' = needPath "removePrefix" "the second argument" whole;
            names = pathNames whole';
          in
          assert needSameRoot "removePrefix" front' whole';
          if startsWithList (pathNames front') names
          then showSubpath (afterFirst (b.length (pathNames front')) names)
          else throw "lib.path.removePrefix: \"${toString whole'}\" is not \"${toString front'}\" or below it";
      in
      b.seq front' rest;

    splitRoot = p:
      let p' = needPath "splitRoot" "the argument" p; in
      { root = rootOf p'; subpath = showSubpath (pathNames p'); };

    # Whether a path value is a store path or lies inside one: the store
    # directory's names, then a name of a 32-character hash, "-" and a
    # non-empty rest. As in nixpkgs, a path whose first name is 52
    # characters of [0-9a-z] also counts (content-addressed derivations).
    hasStorePathPrefix = p:
      let
        p' = needPath "hasStorePathPrefix" "the argument" p;
        names = pathNames p';
        depth = b.length storeNames;
        inStore = startsWithList storeNames names && b.length names > depth
          && b.match ".{32}-.+" (b.elemAt names depth) != null;
        caName = names != [ ] && b.match "[0-9a-z]{52}" (b.head names) != null;
      in
      if toString (rootOf p') != "/"
      then throw "lib.path.hasStorePathPrefix: only paths under the root / are supported, not ${toString p'}"
      else inStore || caName;

    subpath = {
      isValid = isSubpath;

      join = subpaths:
        let
          # The index of the first element that is not a subpath.
          bad = b.filter (i: !isSubpath (b.elemAt subpaths i)) (b.genList (i: i) (b.length subpaths));
        in
        if bad == [ ] then showSubpath (b.concatMap subpathNames subpaths)
        else
          let i = b.head bad; in
          throw "lib.path.subpath.join: the element at index ${toString i} is not a valid subpath string: ${notSubpath (b.elemAt subpaths i)}";

      components = sub: subpathNames (needSubpath "subpath.components" "the argument" sub);

      normalise = sub: showSubpath (subpathNames (needSubpath "subpath.normalise" "the argument" sub));
    };
  };

  # ---- lib.network ----------------------------------------------------

  hexValues = b.listToAttrs (b.genList (i: {
    name = b.substring i 1 "0123456789abcdef";
    value = i;
  }) 16 ++ b.genList (i: {
    name = b.substring i 1 "ABCDEF";
    value = i + 10;
  }) 6);
  # Hexadecimal digits (at most a few, so no overflow) to a number.
  hexToInt = s: b.foldl' (acc: c: acc * 16 + hexValues.${c}) 0 (chars s);
  # A number (0 or more) in lower-case hexadecimal, without leading zeros.
  intToHex = n:
    let rest = n / 16; in
    (if rest == 0 then "" else intToHex rest) + b.substring (n - rest * 16) 1 "0123456789abcdef";

  # An IPv6 address (the text before any "/") as its eight 16-bit groups.
  # Its forms: eight groups separated by ":", or some groups, "::" standing
  # for as many zero groups as are missing (at least one), some groups.
  # A group is hexadecimal digits of a value below 2^16 (leading zeros are
  # allowed, as many as there are).
  ipv6Groups = text:
    let
      bad = throw "lib.network.ipv6: \"${text}\" is not an IPv6 address";
      groupsOf = s: if s == "" then [ ] else b.filter b.isString (b.split ":" s);
      halves = b.filter b.isString (b.split "::" text);
      given = b.concatMap groupsOf halves;
      expanded =
        if b.length halves == 1 then
          (if b.length given == 8 then given else bad)
        else if b.length halves == 2 then
          (if b.length given <= 7
           then groupsOf (b.head halves) ++ b.genList (_: "0") (8 - b.length given) ++ groupsOf (b.elemAt halves 1)
           else bad)
        else bad;
      value = g:
        let digits = b.match "0*([0-9A-Fa-f]{1,4})" g; in
        if digits == null then throw "lib.network.ipv6: the group ${g} of \"${text}\" is more than 16 bits" else hexToInt (b.head digits);
    in
    if b.match "[0-9A-Fa-f:]+" text == null then throw "lib.network.ipv6: \"${text}\" has characters an IPv6 address cannot have"
    else if b.elem "" given then bad
    else map value expanded;

  # The prefix length after "/": a decimal number from 1 to 128 (blanks
  # around it are allowed, a leading zero is not).
  ipv6Prefix = text: s:
    let m = b.match "[[:space:]]*([1-9][0-9]?[0-9]?)[[:space:]]*" s; in
    if m == null || b.fromJSON (b.head m) > 128
    then throw "lib.network.ipv6: the prefix length of \"${text}\" must be a number from 1 to 128"
    else b.fromJSON (b.head m);

  network.ipv6 = {
    # { address; prefixLength; }: the address with its groups in lower-case
    # hexadecimal, none left out or compressed; 128 without a "/".
    # Each attribute is checked only when it is read.
    fromString = text:
      let
        parts = b.filter b.isString (b.split "/" text);
        notCidr = throw "lib.network.ipv6: \"${text}\" has more than one /";
      in
      {
        address = if b.length parts > 2 then notCidr else b.concatStringsSep ":" (map intToHex (ipv6Groups (b.head parts)));
        prefixLength =
          if b.length parts == 1 then 128
          else if b.length parts == 2 then ipv6Prefix text (b.elemAt parts 1)
          else notCidr;
      };
    inherit mkEUI64Suffix;
  };

  # The interface identifier (last 64 bits) of an IPv6 address made from a
  # MAC address, modified EUI-64: ff:fe goes in the middle and the
  # universal/local bit (0x02 of the first octet) is flipped. The six octets
  # may be separated by ":", "-" or "." (or not at all). Lower-case; the
  # first group has no leading zeros.
  mkEUI64Suffix = mac:
    let
      octet = "([0-9A-Fa-f]{2})";
      o = b.match (b.concatStringsSep "[-:.]?" (b.genList (_: octet) 6)) mac;
      at = i: lib.strings.toLower (b.elemAt o i);
    in
    if o == null then throw "lib.mkEUI64Suffix: \"${mac}\" is not a MAC address (six pairs of hexadecimal digits)"
    else b.concatStringsSep ":" [
      (intToHex (b.bitXor 512 (hexToInt (at 0 + at 1))))
      (at 2 + "ff")
      ("fe" + at 3)
      (at 4 + at 5)
    ];

  # ---- lib.strings: edit distance -------------------------------------

  # The Levenshtein distance (insertions, deletions and substitutions of
  # single bytes), row by row: row i holds the distances from the first i
  # characters of `s` to each prefix of `t`.
  levenshtein = s: t:
    let
      ts = chars t;
      width = b.length ts + 1;
      nextRow = above: i: c:
        let
          row = b.genList (j:
            if j == 0 then i
            else smaller
              (smaller (b.elemAt above j + 1) (b.elemAt row (j - 1) + 1))
              (b.elemAt above (j - 1) + (if b.elemAt ts (j - 1) == c then 0 else 1))) width;
        in
        b.deepSeq row row;
      last = b.foldl' (above: i: nextRow above (i + 1) (b.substring i 1 s))
        (b.genList (j: j) width) (b.genList (i: i) (len s));
    in
    b.elemAt last (width - 1);

  # How many characters two strings have in common at their start (and at
  # their end).
  sameStart = x: y:
    let
      m = smaller (len x) (len y);
      go = i: if i < m && b.substring i 1 x == b.substring i 1 y then go (i + 1) else i;
    in
    go 0;
  sameEnd = x: y:
    let
      m = smaller (len x) (len y);
      go = i: if i < m && b.substring (len x - i - 1) 1 x == b.substring (len y - i - 1) 1 y then go (i + 1) else i;
    in
    go 0;

  # Whether the distance is at most k, by nixpkgs' shortcut, whose answers
  # this gives, including where they are not `levenshtein s t <= k`:
  # - k <= 0: the strings are equal.
  # - the longer string (the first when they are as long) is more than k
  #   longer: false.
  # - otherwise both strings lose their common start and their common end,
  #   each measured on the whole strings. The two can overlap ("aab" and
  #   "aaab" have "aa" and "aab" in common): a string's middle then runs
  #   from the end of the common start to its own end, as with nixpkgs,
  #   which so answers false for "aab" "aaab" with k = 1.
  # - k = 1: both middles have at most one character.
  # - k = 2: the middles, x of the longer string and y of the other, fit
  #   one of the patterns of two edits at their ends (below).
  # - k >= 3: the distance of the middles is at most k.
  levenshteinAtMost = k:
    if k <= 0 then s: t: s == t
    else s: t:
      let
        swap = len s < len t;
        long = if swap then t else s;
        short = if swap then s else t;
        front = sameStart long short;
        back = sameEnd long short;
        middle = str:
          let n = len str - front - back; in
          if n < 0 then b.substring front (len str) str else b.substring front n str;
        x = middle long;
        y = middle short;
      in
      if len long - len short > k then false
      else if k == 1 then len x <= 1 && len y <= 1
      else if k == 2 then withinTwoAtEnds x y
      else levenshtein x y <= k;

  # nixpkgs' test of two edits at the ends of x and y (x from the longer
  # string): by how much x is longer, x without its first and last
  # character is y, or y less one end character; or, as long (or where
  # the middles overlapped, any other difference), the two agree
  # without both their ends, or without opposite ends.
  withinTwoAtEnds = x: y:
    let
      inner = s: if len s <= 2 then "" else b.substring 1 (len s - 2) s;
      noFirst = s: b.substring 1 (len s) s;
      noLast = s: if s == "" then "" else b.substring 0 (len s - 1) s;
      longer = len x - len y;
    in
    if longer == 2 then inner x == y
    else if longer == 1 then inner x == noLast y || inner x == noFirst y
    else inner x == inner y || noLast x == noFirst y || noFirst x == noLast y;

  # ---- lib.trivial ----------------------------------------------------

  # A comparison that puts the values satisfying `pred` first: `inside`
  # compares two of those, `outside` two of the others.
  splitByAndCompare = pred: inside: outside: x: y:
    let xIn = pred x; in
    if xIn then (if pred y then inside x y else -1)
    else if pred y then 1
    else outside x y;

  # The stand-in has no .version-suffix file, no git checkout and no
  # .git-revision: its suffix is what its version adds to its release
  # ("pre-nixplan"), and a revision is never known.
  versionSuffix = lib.strings.removePrefix lib.trivial.release lib.trivial.version;
  revisionWithDefault = default: default;
  nixpkgsVersion = lib.warn "lib.nixpkgsVersion is a deprecated alias of lib.version." lib.trivial.version;

  # ---- lib.attrsets ---------------------------------------------------

  # The longest start of attrPath that leads through v (which is not looked
  # at for an empty path).
  longestValidPathPrefix = attrPath: v:
    let
      n = b.length attrPath;
      reach = i: here:
        if i == n then n
        else
          let name = b.elemAt attrPath i; in
          if here ? ${name} then reach (i + 1) here.${name} else i;
      got = reach 0 v;
    in
    if got == n then attrPath else firstOf got attrPath;

  # Each update is { path; update = old: new; }. At every place, the
  # updates of the attributes below it are made first; then those of the
  # place itself, in list order (lazily: a value an update ignores is not
  # computed). Missing attribute sets on the way are created; reading the
  # old value of a place that does not exist is an error.
  updateManyAttrsByPath = updates: value:
    let
      # The updates as a tree: `mine` are those ending at this node (at
      # `depth`), `below` the trees of each attribute under it.
      tree = depth: todo:
        let sorted = b.partition (u: b.length u.path == depth) todo; in
        {
          inherit depth;
          mine = sorted.right;
          deeper = sorted.wrong;
          below = b.mapAttrs (_: tree (depth + 1)) (b.groupBy (u: b.elemAt u.path depth) sorted.wrong);
        };
      # A tree applied to the old value (`exists`: whether there is one).
      apply = node: exists: old:
        let
          where = p: lib.showAttrPath p;
          start =
            if node.deeper == [ ] then
              (if exists then old
               else throw "lib.updateManyAttrsByPath: the first update of ${where (b.head node.mine).path} reads its old value, but the value has no such attribute")
            else if !exists then b.mapAttrs (_: sub: apply sub false null) node.below
            else if b.isAttrs old then old // b.mapAttrs (name: sub: apply sub (old ? ${name}) old.${name}) node.below
            else
              let p = (b.head node.deeper).path; in
              throw "lib.updateManyAttrsByPath: cannot update ${where p}: ${where (firstOf node.depth p)} of the value is not an attribute set";
          # The updates of this place composed, first to last.
          all = b.foldl' (done: u: v: u.update (done v)) (v: v) node.mine;
        in
        all start;
    in
    apply (tree 0 updates) true value;

  # ---- lib.fetchers ---------------------------------------------------

  fetchers =
    let
      fakes = { hash = lib.fakeHash; sha256 = lib.fakeSha256; sha512 = lib.fakeSha512; };
      hashArgs = hashTypes: [ "hash" ] ++ hashTypes;
      asSet = names: b.listToAttrs (map (name: { inherit name; value = null; }) names);

      normalizeHash = { hashTypes ? [ "sha256" ], required ? true }: args:
        let
          names = hashArgs hashTypes;
          given = b.attrNames (b.intersectAttrs (asSet names) args);
          one = b.head given;
          hashValue = args.${one};
        in
        if args ? outputHash then args
        else if given == [ ] then
          (if required then throw "lib.fetchers.normalizeHash: the fetcher needs a `hash` argument" else args)
        else if b.length given > 1 then
          throw "lib.fetchers.normalizeHash: the fetcher was given more than one hash: ${b.concatStringsSep ", " given}"
        else
          b.removeAttrs args names // {
            outputHashAlgo = if one == "hash" then null else one;
            outputHash =
              if hashValue == "" then fakes.${one} or (throw "lib.fetchers.normalizeHash: an empty ${one} has no fake hash to stand for it")
              else hashValue;
          };

      withNormalizedHash = { hashTypes ? [ "sha256" ] }: fetcher:
        let
          takes = lib.functionArgs fetcher;
          takesHashItself = b.any (n: takes ? ${n}) (hashArgs hashTypes);
          normalize = normalizeHash { inherit hashTypes; required = !takes.outputHash; };
        in
        if !(takes ? outputHash && takes ? outputHashAlgo) then
          throw "lib.fetchers.withNormalizedHash: the fetcher must take outputHash and outputHashAlgo"
        else if takesHashItself then
          throw "lib.fetchers.withNormalizedHash: the fetcher must not take ${b.concatStringsSep " or " (hashArgs hashTypes)} itself"
        else
          lib.setFunctionArgs (args: fetcher (normalize args))
            (b.removeAttrs takes [ "outputHash" "outputHashAlgo" ] // { hash = takes.outputHash; });
    in
    {
      # What a fixed-output fetch may take from the caller's environment.
      proxyImpureEnvVars = [
        "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy"
        "HTTP_PROXY" "HTTPS_PROXY" "FTP_PROXY" "ALL_PROXY" "NO_PROXY"
        "NIX_SSL_CERT_FILE"
      ];
      inherit normalizeHash withNormalizedHash;
    };

  # ---- lib.asserts ----------------------------------------------------

  # The value, after the warnings are shown, when every assertion holds;
  # else an error listing the messages of those that fail.
  checkAssertWarn = assertions: warnings: val:
    let failed = b.filter (a: !a.assertion) assertions; in
    if failed == [ ] then lib.showWarnings warnings val
    else throw ("\nFailed assertions:\n" + b.concatStringsSep "\n" (map (a: "- ${a.message}") failed));
in
{
  inherit path network mkEUI64Suffix levenshtein levenshteinAtMost splitByAndCompare
    updateManyAttrsByPath longestValidPathPrefix nixpkgsVersion versionSuffix revisionWithDefault
    fetchers checkAssertWarn;
}
