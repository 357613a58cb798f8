# Cases for nixpkgs' source filtering (lib.sources: cleanSource,
# cleanSourceWith, sourceByRegex, sourceFilesBySuffices, sourceByGlobs,
# commitIdFromGitRepo, repoRevToName...; lib.sourceTypes), compared between
# the real lib and nixplan's stand-in (parser/nixos/nix/lib-more-h.nix).
# Fixture: ./src-dir. Store paths are compared as strings; the *Store*
# cases read the copies back from the store (nix needs them added:
# --read-write-mode), the *Walk* cases list what a source's filter keeps
# by walking its original directory.
{ lib }:
let
  b = builtins;
  ok = x: (b.tryEval x).success;
  okDeep = x: (b.tryEval (b.deepSeq x x)).success;

  dir = ./src-dir;
  str = p: "${p}";

  # Every entry the filter of a source keeps, relative to its origSrc,
  # walking as nix does (nothing under a left-out directory).
  walk = src:
    let
      go = at: prefix:
        b.concatMap (n:
          let
            type = (b.readDir at).${n};
            full = "${toString at}/${n}";
          in
          if src.filter full type
          then [ "${prefix}${n}" ] ++ (if type == "directory" then go full "${prefix}${n}/" else [ ])
          else [ ])
          (b.attrNames (b.readDir at));
    in
    go src.origSrc "";

  # Every entry under a directory (the store copy of a source).
  tree = at:
    b.concatMap (n:
      [ n ] ++ (if (b.readDir at).${n} == "directory" then map (x: "${n}/${x}") (tree "${at}/${n}") else [ ]))
      (b.attrNames (b.readDir at));

  cleaned = lib.cleanSource dir;
  subOnly = lib.cleanSourceWith { src = dir + "/sub"; name = "sub-src"; };
  noDeep = lib.cleanSourceWith { filter = p: t: baseNameOf p != "deep"; src = lib.cleanSource (dir + "/sub"); };
  renamedTwice = lib.cleanSourceWith { src = lib.cleanSourceWith { src = dir + "/sub"; name = "inner"; }; };
  renamedOuter = lib.cleanSourceWith { src = lib.cleanSourceWith { src = dir + "/sub"; name = "inner"; }; name = "outer"; };
  byRegex = lib.sourceByRegex dir [ ".*\\.py" "sub" "sub/data\\.sql" "^main\\.c$" ];
  byRegexCleaned = lib.sourceByRegex cleaned [ "sub" "sub/.*" ".*\\.h" ];
  bySuffix = lib.sourceFilesBySuffices dir [ ".c" ".xml" ];
  bySuffixCleaned = lib.sourceFilesBySuffices cleaned [ ".c" ".so" "~" ];
  byGlobs = lib.sources.sourceByGlobs dir [ "sub/**" "*.c" ];
  byGlobsDeep = lib.sources.sourceByGlobs dir [ "**/*.c" ];
  traced = lib.sources.trace (lib.cleanSourceWith { src = dir + "/sub/deep"; filter = p: t: !(lib.hasSuffix "~" p); });

  # What a filter says of names under the fixture, for each type.
  judge = f: names: types:
    map (n: map (t: f "${toString dir}/${n}" t) types) names;
  allTypes = [ "regular" "directory" "symlink" "unknown" ];
  filterNames = [
    ".git" ".hg" ".svn" "CVS" "_darcs" ".jj" ".pijul" ".bzr" "cvs" "foo.git" ".gitignore"
    "a~" "~" "~a" ".swp" ".swo" ".swz" ".sw" ".sw1" ".swpp" "a.swp" ".a.swp" ".a.b.swx" "..swp" ".a.sw"
    "x.o" ".o" "x.so" "x.so.1" "x.os" "o" "result" "result-doc" "resul" "my-result" "a.c" "sub/deep"
  ];

  globFilter = pats: lib.sources.sourceByGlobs dir pats;
  globPaths = [ "a.c" "sub" "sub/a.c" "sub/deep" "sub/deep/a.c" "a" "a/a" "a/a/b" "a/b" "x/a/b" "x/y/a/b"
    "main.c" "mXn.c" "mn.c" "ma/n.c" "b.py" ".hidden.c" ];
  globPats = [
    [ "*.c" ] [ "**/*.c" ] [ "sub/**" ] [ "**" ] [ "*" ] [ "**/a/b" ] [ "a/**/b" ] [ "m*n.c" ] [ "m**n.c" ]
    [ "sub/*" ] [ "**/deep" ] [ "sub/deep/*.c" "*.py" ] [ ] [ "/a" ] [ "a/" ] [ "a.c/**" ]
  ];

  revs = [
    "refs/tags/v12.0" "v1.2.3" "1.2.3" "release-1.2.3" "abcdef1234567" "ABCDEF1234567" "deadbeef" "abc"
    "a.b..1" "ab.1" "foo" "v" "-1.0" "x-.1" "pre_rc 2" "rc1" "Release_2024.01" "foo-bar-v2" "a.1b2" "..."
    "version-2-rc" "v.1" "tags/foo/bar" "" "refs/heads/main" "1" "g1.0" 12 "0123456789abcdef0123456789abcdef01234567"
  ];
  urls = [
    "https://github.com/NixOS/nixpkgs.git" "https://github.com/NixOS/nixpkgs" "https://github.com/NixOS/nixpkgs/"
    "git@github.com:owner/repo.git" "https://example.org/foo-1.0.tar.gz" "https://example.org/foo.tar.gz.zip"
    "https://example.org/foo.tgz" "foo" "foo.git.git" ".git" "a:b:c" "https://x.org/archive/v1.0.tar.xz"
    "https://x.org/f.zstd" "https://x.org/f.tar.bz2" "https://x.org/f.txt" "" "/some/path/repo.git/"
    "svn://svn.x.org/trunk" "https://x.org/a.GIT" "https://x.org/a.tar.gz?x=1"
  ];
in
{
  sourcesNames = b.attrNames lib.sources;
  sourcesTypes = lib.sourceTypes;

  sourcesCleanPath = str cleaned;
  sourcesCleanPathTwice = str (lib.cleanSource cleaned);
  sourcesCleanAttrs = b.attrNames cleaned;
  sourcesCleanName = cleaned.name;
  sourcesCleanOrig = cleaned.origSrc == dir;
  sourcesCleanIsFiltered = cleaned._isLibCleanSourceWith;
  sourcesCleanWalk = walk cleaned;
  sourcesCleanSubPath = str (lib.cleanSource (dir + "/sub"));
  sourcesCleanWalkSub = walk (lib.cleanSource (dir + "/sub"));
  sourcesCleanToString = toString cleaned == str cleaned;
  sourcesCleanContext = b.hasContext (str cleaned);
  sourcesNsSame = str (lib.sources.cleanSource dir) == str cleaned;

  # Read back from the store copies (nix: added only with --read-write-mode).
  sourcesStoreTop = b.attrNames (b.readDir cleaned);
  sourcesStoreTree = tree (str cleaned);
  sourcesStoreRegexTree = tree (str byRegex);
  sourcesStoreSuffixTree = tree (str bySuffix);
  sourcesStoreNoDeep = [ (b.pathExists "${noDeep}/deep") (b.pathExists "${noDeep}/mod.py") ];
  sourcesStoreReadFile = b.readFile "${cleaned}/sub/deep/x.c";

  sourcesFilterJudge = judge lib.cleanSourceFilter filterNames allTypes;
  sourcesFilterSources = judge lib.sources.cleanSourceFilter [ ".git" "a.o" "keep" ] [ "regular" ];

  sourcesWithNamedPath = str subOnly;
  sourcesWithNamedName = subOnly.name;
  sourcesWithNamedWalk = walk subOnly;
  sourcesWithDefaultPath = str (lib.cleanSourceWith { src = dir; });
  sourcesNoDeepPath = str noDeep;
  sourcesNoDeepWalk = walk noDeep;
  sourcesNoDeepName = noDeep.name;
  sourcesRenamedTwice = [ renamedTwice.name (str renamedTwice) ];
  sourcesRenamedOuter = [ renamedOuter.name (str renamedOuter) ];
  sourcesFilterSourceSame = str (lib.sources.filterSource (_: _: true) (dir + "/sub/deep"));

  sourcesRegexPath = str byRegex;
  sourcesRegexWalk = walk byRegex;
  sourcesRegexCleanedPath = str byRegexCleaned;
  sourcesRegexCleanedWalk = walk byRegexCleaned;
  sourcesRegexAttrs = b.attrNames byRegex;
  sourcesRegexNone = [ (str (lib.sourceByRegex dir [ ])) (walk (lib.sourceByRegex dir [ ])) ];

  sourcesSuffixPath = str bySuffix;
  sourcesSuffixWalk = walk bySuffix;
  sourcesSuffixCleanedPath = str bySuffixCleaned;
  sourcesSuffixCleanedWalk = walk bySuffixCleaned;

  sourcesGlobsPath = str byGlobs;
  sourcesGlobsWalk = walk byGlobs;
  sourcesGlobsDeepPath = str byGlobsDeep;
  sourcesGlobsDeepWalk = walk byGlobsDeep;
  sourcesGlobsJudge = map (pats:
    let f = (globFilter pats).filter; in
    map (p: [ (f "${toString dir}/${p}" "regular") (f "${toString dir}/${p}" "directory") (f "${toString dir}/${p}" "symlink") ]) globPaths)
    globPats;

  sourcesTraceAttrs = b.attrNames traced;
  sourcesTracePath = str traced;
  sourcesTraceInvariant = traced.satisfiesSubpathInvariant;
  sourcesTraceWalk = walk traced;
  sourcesTraceName = traced.name;
  sourcesTracePlain = str (lib.sources.trace (dir + "/sub/deep"));

  sourcesCanClean = map lib.canCleanSource [
    dir "/tmp/nowhere" cleaned (str cleaned) (b.unsafeDiscardStringContext (str cleaned))
    { outPath = "/nix/store/00000000000000000000000000000000-x"; }
  ];
  sourcesHasContext = map lib.pathHasContext [
    "" "/nix/store/x" (str cleaned) (toString dir) (b.unsafeDiscardStringContext (str cleaned))
  ];
  sourcesHasContextNs = lib.sources.pathHasContext (str subOnly);

  sourcesGitMissing = [
    (lib.pathIsGitRepo (dir + "/no-such-dir"))
    (lib.pathIsGitRepo "/no/such/dir/.git")
    (ok (lib.commitIdFromGitRepo (dir + "/no-such-dir")))
    (ok (lib.sources.commitIdFromGitRepo "/no/such/dir/.git"))
    (lib.sources.pathIsGitRepo "/no/such/dir/.git")
  ];

  sourcesRevOrTag = [
    (lib.revOrTag "abc" "v1") (lib.revOrTag "abc" null) (lib.revOrTag null "v1") (lib.revOrTag null null)
    (lib.sources.revOrTag "" null)
  ];
  sourcesShortRev = map lib.sources.shortRev revs;
  sourcesUrlToName = map lib.sources.urlToName urls;
  sourcesUrlToNamePath = lib.sources.urlToName (dir + "/sub");
  sourcesRepoRevToName = map (kind:
    map (args: lib.repoRevToName kind args.repo args.rev args.suffix) [
      { repo = "https://github.com/NixOS/nixpkgs.git"; rev = "refs/tags/v12.0"; suffix = "fetchgit"; }
      { repo = "https://github.com/NixOS/nixpkgs"; rev = null; suffix = null; }
      { repo = "git@github.com:a/b.git"; rev = "0123456789abcdef"; suffix = null; }
      { repo = "https://x.org/foo-1.0.tar.gz"; rev = null; suffix = "fetchzip"; }
      { repo = "foo"; rev = 42; suffix = ""; }
    ]) [ "source" "versioned" "full" ];
  sourcesRepoRevToNameNs = lib.sources.repoRevToName "full" "a/b.git" "v1" "hg";
  sourcesRepoRevToNameBad = ok (lib.repoRevToName "pretty");
  sourcesRepoRevToNameBadDeep = ok (lib.repoRevToName "pretty" "a" "b" "c");
}
