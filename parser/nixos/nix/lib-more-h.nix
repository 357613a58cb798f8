# Still more of nixpkgs' lib for nixplan's stand-in: copying filtered
# source trees to the store (cleanSource and its relatives, a source that
# composes filters without intermediate copies), reading the commit of a
# .git directory, naming fetched sources after their repository and
# revision, and the source-type tags of package metadata. Written for
# nixplan from nixpkgs' documentation of each function and the values the
# real lib gives; the results are checked against the real lib by
# tests/upstream/lib-cases-h.nix (fixture: tests/upstream/src-dir).
#
# Where each attribute belongs in nixpkgs' lib:
#   sources                 -> lib.sources (the whole namespace: the names
#                              below marked "and lib.sources", plus urlToName,
#                              shortRev, sourceByGlobs, trace and filterSource,
#                              which are only there)
#   cleanSource             -> lib.cleanSource and lib.sources.cleanSource
#   cleanSourceFilter       -> lib.cleanSourceFilter and lib.sources.cleanSourceFilter
#   cleanSourceWith         -> lib.cleanSourceWith and lib.sources.cleanSourceWith
#   canCleanSource          -> lib.canCleanSource and lib.sources.canCleanSource
#   pathHasContext          -> lib.pathHasContext and lib.sources.pathHasContext
#   pathIsGitRepo           -> lib.pathIsGitRepo and lib.sources.pathIsGitRepo
#   commitIdFromGitRepo     -> lib.commitIdFromGitRepo and lib.sources.commitIdFromGitRepo
#   sourceByRegex           -> lib.sourceByRegex and lib.sources.sourceByRegex
#   sourceFilesBySuffices   -> lib.sourceFilesBySuffices and lib.sources.sourceFilesBySuffices
#   revOrTag                -> lib.revOrTag and lib.sources.revOrTag
#   repoRevToName           -> lib.repoRevToName and lib.sources.repoRevToName
#   sourceTypes             -> lib.sourceTypes (data: fromSource, binaryNativeCode,
#                              binaryBytecode, binaryFirmware, obfuscatedCode)
# (lib.filterSource, = builtins.filterSource, the stand-in has already.)
lib:
let
  b = builtins;

  len = b.stringLength;
  startsWith = front: s: b.substring 0 (len front) s == front;
  endsWith = back: s: len s >= len back && b.substring (len s - len back) (len back) s == back;
  withoutLast = back: s: if endsWith back s then b.substring 0 (len s - len back) s else s;
  withoutFirst = front: s: if startsWith front s then b.substring (len front) (len s - len front) s else s;
  anyOf = pred: list: b.foldl' (found: x: found || pred x) false list;
  lastOf = list: b.elemAt list (b.length list - 1);
  # The text of a file without one final newline.
  contentsOf = file: withoutLast "\n" (b.readFile file);
  # The strings between the separators (builtins.split gives matches as lists).
  pieces = sepRegex: s: b.filter b.isString (b.split sepRegex s);
  reSpecial = [ "\\" "[" "{" "(" ")" "^" "$" "?" "*" "+" "|" "." ];
  quoteRegex = b.replaceStrings reSpecial (map (c: "\\" + c) reSpecial);

  # readFileType came with nix 2.14; before it, the type is the entry of
  # the path in its directory's listing (a name to select with has no
  # context: a path under a store copy would have that copy's).
  typeOfPath = b.readFileType
    or (p: (b.readDir (dirOf p)).${b.unsafeDiscardStringContext (baseNameOf p)});
  isRegularFile = p: b.pathExists p && typeOfPath p == "regular";

  # ---- filtered sources -------------------------------------------------
  # A filtered source is a set marked _isLibCleanSourceWith holding the
  # unfiltered path (origSrc), the conjunction of its filters and the store
  # name; its outPath is the one store copy made with all of them.

  asSource = src:
    if src ? _isLibCleanSourceWith
    then { inherit (src) origSrc filter name; }
    else { origSrc = src; filter = _: _: true; name = "source"; };

  makeSource = { origSrc, filter, name }: {
    _isLibCleanSourceWith = true;
    inherit origSrc filter name;
    outPath = b.path { path = origSrc; inherit filter name; };
  };

  cleanSourceWith = { src, filter ? _: _: true, name ? null }:
    let inner = asSource src; in
    makeSource {
      inherit (inner) origSrc;
      # The new filter is asked first; the inner ones only if it keeps the entry.
      filter = path: type: filter path type && inner.filter path type;
      name = if name == null then inner.name else name;
    };

  vcsDirectories = [ ".svn" "CVS" ".hg" ".jj" ".pijul" "_darcs" ];

  cleanSourceFilter = path: type:
    let base = baseNameOf path; in
    !(base == ".git"
      || (type == "directory" && b.elem base vcsDirectories)
      # editor backups (foo~) and vim swap files (.swp, .foo.swo, ...)
      || endsWith "~" base
      || b.match "\\.(.*\\.)?sw[a-z]" base != null
      # build products
      || endsWith ".o" base
      || endsWith ".so" base
      # nix-build's out links
      || (type == "symlink" && startsWith "result" base)
      # sockets, devices, fifos: nothing the store can hold
      || type == "unknown");

  cleanSource = src: cleanSourceWith { inherit src; filter = cleanSourceFilter; };

  sourceByRegex = src: regexes:
    let root = toString (asSource src).origSrc + "/"; in
    cleanSourceWith {
      inherit src;
      filter = path: _type:
        let rel = withoutFirst root (toString path); in
        anyOf (re: b.match re rel != null) regexes;
    };

  sourceFilesBySuffices = src: exts:
    cleanSourceWith {
      inherit src;
      filter = path: type:
        type == "directory" || anyOf (ext: endsWith ext (baseNameOf path)) exts;
    };

  # ---- sourceByGlobs ----------------------------------------------------
  # A pattern is matched component by component: `**` spans any number of
  # components, `*` (or a run of them) any text within one. A directory (or
  # symlink) whose path is a prefix of a pattern is kept, so that the
  # filter gets to look inside it.
  globComponent = c:
    if c == "**" then null
    else b.concatStringsSep "[^/]*" (map quoteRegex (pieces "\\*+" c));

  globMatcher = pattern:
    let
      globs = map globComponent (pieces "/" pattern);
      nGlobs = b.length globs;
    in
    relPath: type:
    let
      parts = pieces "/" relPath;
      nParts = b.length parts;
      fits = g: part: g == null || b.match g part != null;
      step = gi: pi:
        if pi >= nParts then gi >= nGlobs || type == "directory" || type == "symlink"
        else if gi >= nGlobs then false
        else
          let g = b.elemAt globs gi; part = b.elemAt parts pi; in
          if g == null then
            # `**` last takes everything; otherwise it stops (for good) at
            # the first component the next glob takes.
            gi + 1 == nGlobs
            || (if fits (b.elemAt globs (gi + 1)) part then step (gi + 1) pi else step gi (pi + 1))
          else fits g part && step (gi + 1) (pi + 1);
    in
    step 0 0;

  sourceByGlobs = src: patterns:
    let
      root = "${toString src}/";
      matchers = map globMatcher patterns;
    in
    cleanSourceWith {
      inherit src;
      filter = path: type:
        let rel = withoutFirst root path; in
        anyOf (m: m rel type) matchers;
    };

  traceSource = src:
    let inner = asSource src; in
    makeSource (inner // {
      filter = path: type:
        let keep = inner.filter path type; in
        b.trace "${inner.name}.filter ${path} = ${if keep then "true" else "false"}" keep;
    })
    // { satisfiesSubpathInvariant = src ? satisfiesSubpathInvariant && src.satisfiesSubpathInvariant; };

  # ---- git ----------------------------------------------------------------
  # `{ value = commit; }` or `{ error = message; }` for the ref `ref` (first
  # HEAD) of the git directory `dir`. A regular file in place of the
  # directory is a worktree's "gitdir: ..." pointer.
  gitCommit = ref: dir:
    let
      refFile = dir + "/${ref}";
      packed = dir + "/packed-refs";
      # Relative git paths are taken from `base`; a path value interpolated
      # here is copied to the store, as the real lib does.
      rooted = base: p:
        if startsWith "/" p then p
        else if startsWith "/" base then "${base}/${p}"
        else "/${base}/${p}";
    in
    if isRegularFile dir then
      let pointer = b.match "^gitdir: (.*)$" (contentsOf dir); in
      if pointer == null then { error = "File contains no gitdir reference: " + dir; }
      else
        let
          gitDir = rooted (dirOf dir) (b.head pointer);
          common = rooted gitDir (withoutLast "/"
            (if isRegularFile "${gitDir}/commondir" then contentsOf "${gitDir}/commondir" else gitDir));
        in
        gitCommit (withoutFirst "${common}/" "${gitDir}/${ref}") common
    else if isRegularFile refFile then
      let
        text = contentsOf refFile;
        symbolic = b.match "^ref: (.*)$" text;
      in
      if symbolic == null then { value = text; } else gitCommit (b.head symbolic) dir
    else if isRegularFile packed then
      let
        lineOf = b.match "([a-z0-9]+) ${ref}";
        found = b.filter (l: b.isString l && lineOf l != null) (b.split "\n" (b.readFile packed));
      in
      if found == [ ] then { error = "Could not find " + ref + " in " + packed; }
      else { value = b.head (lineOf (b.head found)); }
    else { error = "Not a .git directory: " + toString dir; };

  pathIsGitRepo = path: gitCommit "HEAD" path ? value;

  commitIdFromGitRepo = path:
    let r = gitCommit "HEAD" path; in
    r.value or (throw r.error);

  pathHasContext = b.hasContext or (startsWith b.storeDir);

  # A path, or a source these functions made (not a string of the store).
  canCleanSource = s: if s ? _isLibCleanSourceWith then true else !pathHasContext (toString s);

  # ---- names of fetched sources -------------------------------------------

  archiveExtension = "(.*)\\.(git|tar|zip|gz|tgz|bz|tbz|bz2|tbz2|lzma|txz|xz|zstd)";

  urlToName = url:
    let
      afterColons = lastOf (pieces ":" (toString url));
      strip = name:
        let m = b.match archiveExtension name; in
        if m == null then name else strip (b.head m);
    in
    strip (baseNameOf (withoutLast "/" afterColons));

  shortRev = rev:
    let
      base = baseNameOf (toString rev);
      # words with single separators, then the version from its first digit (or dot)
      version = b.match "(([A-Za-z]+[-_. ]?)*v?)([0-9.].*)" base;
    in
    if b.match "[a-f0-9]+" base != null then b.substring 0 7 base
    else if version != null then lastOf version
    else base;

  revOrTag = rev: tag:
    if tag != null then tag else if rev != null then rev else "HEAD";

  versionedName = repo: rev: suffix:
    b.concatStringsSep "-" ([ (urlToName repo) ]
      ++ (if rev == null then [ ] else [ (shortRev rev) ])
      ++ (if suffix == null then [ ] else [ suffix ])
      ++ [ "source" ]);

  repoRevToName = kind:
    if kind == "source" then (_repo: _rev: _suffix: "source")
    else if kind == "versioned" then (repo: rev: _suffix: versionedName repo rev null)
    else if kind == "full" then versionedName
    else throw "repoRevToName: invalid kind";

  sourceTypes = b.mapAttrs (shortName: isSource: { inherit shortName isSource; }) {
    fromSource = true;
    binaryNativeCode = false;
    binaryBytecode = false;
    binaryFirmware = false;
    obfuscatedCode = false;
  };
in
{
  sources = {
    inherit cleanSource cleanSourceFilter cleanSourceWith canCleanSource pathHasContext
      pathIsGitRepo commitIdFromGitRepo sourceByRegex sourceFilesBySuffices sourceByGlobs
      urlToName shortRev revOrTag repoRevToName;
    trace = traceSource;
    inherit (b) filterSource;
  };
  inherit cleanSource cleanSourceFilter cleanSourceWith canCleanSource pathHasContext
    pathIsGitRepo commitIdFromGitRepo sourceByRegex sourceFilesBySuffices revOrTag repoRevToName
    sourceTypes;
}
