# The deprecated corner of nixpkgs' lib for nixplan's stand-in: stdenv's
# old argument-merging and flag helpers (lib/deprecated/misc.nix) and the
# dependency-ordered text snippets of lib/strings-with-deps.nix, which
# NixOS still orders activation scripts with. Old package expressions and
# overlays call these; nothing new should. Written for nixplan from the
# behaviour of each function (probed on the real lib, quirks included);
# the results are checked against the real lib by
# tests/upstream/lib-cases-c.nix.
#
# Where each attribute belongs in nixpkgs' lib:
#   misc                    -> lib.misc (the whole namespace: the names below
#                              plus closePropagationFast, closePropagationSlow,
#                              and maybeEnv, ifEnable, maybeAttr, imap,
#                              fakeHash, fakeSha256, fakeSha512, which the
#                              stand-in already has at top level)
#   stringsWithDeps         -> lib.stringsWithDeps (the whole namespace:
#                              textClosureList, textClosureMap, packEntry, and
#                              the stand-in's noDepEntry, fullDepEntry, stringAfter)
#   checkFlag checkReqs closePropagation condConcat defaultMerge
#   defaultMergeArg foldArgs getValue innerClosePropagation
#   innerModifySumArgs lazyGenericClosure maybeAttrNullable mergeAttrBy
#   mergeAttrByFunc mergeAttrsByFuncDefaults mergeAttrsByFuncDefaultsClean
#   mergeAttrsConcatenateValues mergeAttrsNoOverride mergeAttrsWithFunc
#   modifySumArgs nixType nvs setAttr setAttrMerge uniqList uniqListExt
#                           -> lib.<name> and lib.misc.<name>
#   packEntry textClosureList textClosureMap
#                           -> lib.<name> and lib.stringsWithDeps.<name>
lib:
let
  b = builtins;

  # A set of one attribute. (listToAttrs, not `{ ${name} = ...; }`, so that
  # a null name is an error rather than an empty set.)
  single = name: value: b.listToAttrs [ { inherit name value; } ];

  # The same value under each of several names.
  sameFor = names: value: b.listToAttrs (map (name: { inherit name value; }) names);

  # ---- argument sets: merging and overriding ---------------------------

  # The next argument set: a set replaces, a function computes it from the
  # current one.
  defaultMergeArg = current: change: if b.isAttrs change then change else change current;
  defaultMerge = current: change: current // defaultMergeArg current change;

  # `build` applied to the arguments folded so far; the result can be
  # folded further through `.override` (= passthru.function), and
  # passthru.args collects the changes made. Those args are read back from
  # passthru.passthru.args, one level deeper than they are written: the
  # real lib does so, hence they hold only the latest change (plus what
  # `build` itself returns as passthru.passthru.args).
  foldArgs = merge: build: start: change:
    let
      folded = merge start (defaultMergeArg start change);
      made = build folded;
      earlier = made.passthru or { };
      passthru = earlier // {
        function = foldArgs merge build folded;
        args = lib.attrByPath [ "passthru" "args" ] { } earlier // change;
      };
    in
    made // { inherit passthru; override = passthru.function; };

  # Several sets given one after another, ended by null: the union goes to
  # `finish` (with that null), and `extra` is laid over the result.
  innerModifySumArgs = finish: extra: sum: next:
    if next == null then finish sum null // extra
    else innerModifySumArgs finish extra (sum // next);
  modifySumArgs = finish: extra: innerModifySumArgs finish extra { };

  # ---- feature flags ---------------------------------------------------

  # The strings "true" and "false" stand for themselves; otherwise a flag is
  # on when listed in `flags` or, failing that, it is the attribute's value
  # (false when absent; a non-boolean value is returned as it is).
  checkFlag = set: flag:
    if flag == "true" then true
    else if flag == "false" then false
    else if b.elem flag (set.flags or [ ]) then true
    else set.${flag} or false;

  # The attribute's value; if absent: true for an enabled flag, else the
  # second element of the first [ name default ] pair for it, else null.
  getValue = set: defaults: name:
    let
      fromPairs = pairs:
        if pairs == [ ] then null
        else if b.head (b.head pairs) == name then b.elemAt (b.head pairs) 1
        else fromPairs (b.tail pairs);
    in
    set.${name} or (if checkFlag set name then true else fromPairs defaults);

  # Each rule is [ flag required... ]: a flag that is on needs every
  # required value to be neither null nor false.
  checkReqs = set: defaults: rules:
    let
      given = name: let v = getValue set defaults name; in v != null && v != false;
      holds = rule: checkFlag set (b.head rule) -> b.all given (b.tail rule);
    in
    b.all holds rules;

  # ---- lists -----------------------------------------------------------

  # The first occurrence of each element (by ==), leaving out those in `acc`.
  uniqList = { inputList, acc ? [ ] }:
    let
      walked = b.foldl'
        (st: x: if b.elem x st.met then st else { met = [ x ] ++ st.met; kept = [ x ] ++ st.kept; })
        { met = acc; kept = [ ]; }
        inputList;
    in
    lib.reverseList walked.kept;

  # `outputList` followed by the elements of `inputList` that match none kept
  # before them; matching is `compare (getter kept) (getter candidate)`.
  uniqListExt = { inputList, outputList ? [ ], getter ? (x: x), compare ? (x: y: x == y) }:
    b.foldl'
      (kept: x: if b.any (k: compare (getter k) (getter x)) kept then kept else kept ++ [ x ])
      outputList
      inputList;

  # `start` with the text of each [ cond text ] pair of the flat list whose
  # cond passes `test` appended. An odd element left over is an evaluation
  # error (as in the real lib, not a catchable throw), after its test.
  condConcat = start: flat: test:
    let
      count = b.length flat;
      conds = b.genList (i: b.elemAt flat (2 * i)) ((count + 1) / 2);
      picked = b.concatLists (b.genList
        (i: if test (b.elemAt flat (2 * i)) then [ (b.elemAt flat (2 * i + 1)) ] else [ ])
        (count / 2));
    in
    if count / 2 * 2 != count then b.seq (b.all (c: test c || true) conds) (b.tail [ ])
    else b.foldl' (text: more: text + more) start picked;

  # builtins.genericClosure's breadth-first walk with keys compared by ==
  # (so any value can be a key), the result newest first.
  lazyGenericClosure = { startSet, operator }:
    let
      # `queue` only grows (successors go to its end); `at` is the next
      # element to look at.
      go = st:
        if st.at == b.length st.queue then st.found
        else
          let item = b.elemAt st.queue st.at; in
          go (if b.elem item.key st.keys then st // { at = st.at + 1; }
            else {
              at = st.at + 1;
              queue = st.queue ++ operator item;
              keys = st.keys ++ [ item.key ];
              found = [ item ] ++ st.found;
            });
    in
    go { at = 0; queue = startSet; keys = [ ]; found = [ ]; };

  # ---- propagated inputs -----------------------------------------------

  propagatedOf = pkg: (pkg.propagatedBuildInputs or [ ]) ++ (pkg.propagatedNativeBuildInputs or [ ]);

  # Depth-first through the propagated inputs of the sets in `pending`
  # (anything else is skipped), each set prepended to `found` when met.
  # After the first, what is in `found` already is not met again (the
  # first pending set is taken even when `found` has it).
  innerClosePropagation = found: pending:
    let
      grow = found: sets:
        if sets == [ ] then found
        else
          let pkg = b.head sets; found' = [ pkg ] ++ found; in
          grow found' (uniqList { inputList = b.filter b.isAttrs (propagatedOf pkg) ++ b.tail sets; acc = found'; });
    in
    grow found (b.filter b.isAttrs pending);

  closePropagationSlow = roots: uniqList { inputList = innerClosePropagation [ ] roots; };

  # The same closure by builtins.genericClosure, packages told apart by
  # outPath, nulls left out; in the order they are found.
  closePropagationFast = roots:
    let
      notNull = b.filter (x: x != null);
      keyed = pkg: { key = pkg.outPath; inherit pkg; };
    in
    map (e: e.pkg) (b.genericClosure {
      startSet = map keyed (notNull roots);
      operator = e: if b.isAttrs e.pkg then map keyed (notNull (propagatedOf e.pkg)) else [ ];
    });

  closePropagation = if b ? genericClosure then closePropagationFast else closePropagationSlow;

  # ---- attribute sets --------------------------------------------------

  maybeAttrNullable = lib.maybeAttr;
  nvs = single;
  setAttr = set: name: value: set // single name value;
  setAttrMerge = name: default: set: f: setAttr set name (f (set.${name} or default));

  # `left // right`, except that each attribute of `right` becomes
  # `f leftValue rightValue` -- with the right value twice when `left`
  # lacks it (so { } { a = 1; } gives a = f 1 1).
  mergeAttrsWithFunc = f: left: right:
    left // b.mapAttrs (name: v: f (left.${name} or v) v) right;

  mergeAttrsConcatenateValues = mergeAttrsWithFunc (x: y: lib.toList x ++ lib.toList y);

  # `first // second`, but a name in both is concatenated (second's list
  # first) if listed in mergeLists, keeps first's value if listed in
  # overrideSnd, and is an error otherwise (when that value is used).
  mergeAttrsNoOverride = { mergeLists ? [ "buildInputs" "propagatedBuildInputs" ], overrideSnd ? [ "buildPhase" ] }:
    first: second:
    first // b.mapAttrs
      (name: v:
        if !(first ? ${name}) then v
        else if b.elem name mergeLists then v ++ first.${name}
        else if b.elem name overrideSnd then first.${name}
        else throw "error mergeAttrsNoOverride, attribute ${name} given in both attributes - no merge func defined")
      second;

  # `x // y`, except that a name both have and that x's or y's mergeAttrBy
  # (or the default: mergeAttrBy itself, by //) gives a function for
  # is merged with that function.
  mergeAttrByFunc = x: y:
    let
      mergers = { mergeAttrBy = lib.mergeAttrs; } // (x.mergeAttrBy or { }) // (y.mergeAttrBy or { });
      both = x // y;
    in
    both // b.mapAttrs
      (name: merge: if x ? ${name} && y ? ${name} then merge x.${name} y.${name} else both.${name})
      (b.intersectAttrs both mergers);

  # The merge functions of stdenv's usual attributes.
  mergeAttrBy =
    sameFor [ "nativeBuildInputs" "buildInputs" "propagatedBuildInputs" "configureFlags" "prePhases" "postAll" "patches" ] lib.concat
    // sameFor [ "passthru" "meta" "cfg" "flags" ] lib.mergeAttrs
    // sameFor [ "preConfigure" "postInstall" ] (x: y: "${x}\n${y}");

  mergeAttrsByFuncDefaults = sets: b.foldl' mergeAttrByFunc { inherit mergeAttrBy; } sets;
  mergeAttrsByFuncDefaultsClean = sets: b.removeAttrs (mergeAttrsByFuncDefaults sets) [ "mergeAttrBy" ];

  # The old names of value kinds: floats and paths count as "string".
  nixType = v:
    let kind = b.typeOf v; in
    if kind == "set" then (if v ? outPath then "derivation" else "attrs")
    else if kind == "lambda" then "function"
    else if b.elem kind [ "list" "bool" "null" "int" ] then kind
    else "string";

  # ---- lib.stringsWithDeps ----------------------------------------------

  packEntry = deps: { inherit deps; text = ""; };

  # The texts of the named entries, each after those of its dependencies.
  # Run as a stack: a name not seen before is replaced by its entry (an
  # entry that is a string is a name again), an entry by its dependencies
  # followed by its text. Entries given directly are not remembered, so
  # they can appear twice.
  textClosureList = entries: wanted:
    let
      todo = x: { todo = x; };
      run = stack: seen: texts:
        if stack == [ ] then texts
        else
          let top = b.head stack; rest = b.tail stack; in
          if top ? text then run rest seen ([ top.text ] ++ texts)
          else if b.isAttrs top.todo then
            run (map todo top.todo.deps ++ [ { text = top.todo.text; } ] ++ rest) seen texts
          else if seen ? ${top.todo} then run rest seen texts
          else run ([ (todo entries.${top.todo}) ] ++ rest) (seen // single top.todo true) texts;
    in
    lib.reverseList (run (map todo wanted) { } [ ]);

  textClosureMap = f: entries: names: lib.concatMapStringsSep "\n" f (textClosureList entries names);

in
{
  misc = {
    inherit checkFlag checkReqs closePropagation closePropagationFast closePropagationSlow condConcat
      defaultMerge defaultMergeArg foldArgs getValue innerClosePropagation innerModifySumArgs
      lazyGenericClosure maybeAttrNullable mergeAttrBy mergeAttrByFunc mergeAttrsByFuncDefaults
      mergeAttrsByFuncDefaultsClean mergeAttrsConcatenateValues mergeAttrsNoOverride mergeAttrsWithFunc
      modifySumArgs nixType nvs setAttr setAttrMerge uniqList uniqListExt;
    inherit (lib) maybeEnv ifEnable maybeAttr imap fakeHash fakeSha256 fakeSha512;
  };
  stringsWithDeps = {
    inherit textClosureList textClosureMap packEntry;
    inherit (lib) noDepEntry fullDepEntry stringAfter;
  };
  inherit checkFlag checkReqs closePropagation condConcat defaultMerge defaultMergeArg foldArgs getValue
    innerClosePropagation innerModifySumArgs lazyGenericClosure maybeAttrNullable mergeAttrBy
    mergeAttrByFunc mergeAttrsByFuncDefaults mergeAttrsByFuncDefaultsClean mergeAttrsConcatenateValues
    mergeAttrsNoOverride mergeAttrsWithFunc modifySumArgs nixType nvs setAttr setAttrMerge uniqList
    uniqListExt packEntry textClosureList textClosureMap;
}
