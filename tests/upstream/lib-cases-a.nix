# Calls of lib.path, lib.network, the edit distances, nested attribute
# updates, the lib's version strings, lib.fetchers and
# lib.asserts.checkAssertWarn as configurations make them, each with a JSON
# result (parser/nixos/nix/lib-more-a.nix implements them for the stand-in).
# Evaluated with the real lib and with the stand-in: the results must be
# equal. Path values are shown with toString (a path in JSON output would be
# copied to the store); an expected error is `(builtins.tryEval x).success`.
{ lib }:
let
  fails = x: !(builtins.tryEval (builtins.deepSeq x x)).success;
  inherit (lib.path) subpath;
  storePath = "/nix/store/nvl9ic0pj1fpyln3zaqrf4cclbqdfn1j-foo";
  # Strings the edit-distance cases are made of, some with long common
  # starts and ends (where nixpkgs' levenshteinAtMost takes its shortcuts).
  words = [ "" "a" "ab" "ba" "aab" "aaab" "abab" "abba" "aaaa" "abaaaa" "aabaa" "abaa" "kitten" "sitting" ];
  fetchFn = { url, outputHash ? null, outputHashAlgo ? null, extra ? 1 }: { inherit url outputHash outputHashAlgo extra; };
  fetchFnRequired = { url, outputHash, outputHashAlgo }: { inherit url outputHash outputHashAlgo; };
  wrapped = lib.fetchers.withNormalizedHash { } fetchFn;
  wrappedRequired = lib.fetchers.withNormalizedHash { hashTypes = [ "sha256" "sha512" ]; } fetchFnRequired;
in
{
  namespaces = map builtins.attrNames [ lib.path lib.path.subpath lib.network lib.network.ipv6 lib.fetchers ];

  # lib.path
  pathAppend = map toString [
    (lib.path.append /foo "bar/baz")
    (lib.path.append /foo "./bar//baz/./")
    (lib.path.append /. "foo/bar")
    (lib.path.append /foo/bar ".")
    (lib.path.append /foo "a/.b/..c")
  ];
  pathAppendErrors = map fails [
    (lib.path.append "/foo" "bar")
    (lib.path.append /foo /bar)
    (lib.path.append /foo "")
    (lib.path.append /foo "/bar")
    (lib.path.append /foo "../bar")
    (lib.path.append /foo "a/..")
    (lib.path.append /foo null)
  ];
  pathHasPrefix = [
    (lib.path.hasPrefix /foo /foo/bar)
    (lib.path.hasPrefix /foo /foo)
    (lib.path.hasPrefix /foo/bar /foo)
    (lib.path.hasPrefix /. /foo)
    (lib.path.hasPrefix /foo /foobar)
    (lib.path.hasPrefix /foo/bar /foo/baz/bar)
  ];
  pathHasPrefixErrors = map fails [
    (lib.path.hasPrefix "/foo")
    (lib.path.hasPrefix /foo "/foo/bar")
  ];
  pathRemovePrefix = [
    (lib.path.removePrefix /foo /foo/bar/baz)
    (lib.path.removePrefix /foo /foo)
    (lib.path.removePrefix /. /foo)
    (lib.path.removePrefix /. /.)
    (lib.path.removePrefix /a/b /a/b/c/d/e)
  ];
  pathRemovePrefixErrors = map fails [
    (lib.path.removePrefix /foo/bar /foo)
    (lib.path.removePrefix /foo /foobar)
    (lib.path.removePrefix "/foo")
    (lib.path.removePrefix /foo "/foo/bar")
  ];
  pathSplitRoot = map (p: let r = lib.path.splitRoot p; in { root = toString r.root; rootIsSlash = r.root == /.; inherit (r) subpath; }) [
    /foo/bar
    /.
    /foo/../bar
    /a/b/c
  ];
  pathSplitRootErrors = map fails [ (lib.path.splitRoot "/foo/bar") (lib.path.splitRoot null) ];
  pathStore = map lib.path.hasStorePathPrefix [
    /nix/store/nvl9ic0pj1fpyln3zaqrf4cclbqdfn1j-foo/bar/baz
    /nix/store
    /nix/store/nvl9ic0pj1fpyln3zaqrf4cclbqdfn1j-foo
    /home/user
    /nix/store/.links/10gg8k3rmbw8p7gszarbk7qyd9jwxhcfq9i6s5i0qikx8alkk4hq
    /nix/store/nvl9ic0pj1fpyln3zaqrf4cclbqdfn1j-foo.drv
    /nix/store/nvl9ic0pj1fpyln3zaqrf4cclbqdfn1j-
    /nix/store/short-foo
    /nix
    /.
    /10gg8k3rmbw8p7gszarbk7qyd9jwxhcfq9i6s5i0qikx8alkk4hq
    /10gg8k3rmbw8p7gszarbk7qyd9jwxhcfq9i6s5i0qikx8alkk4hq/sub
    /nix/store/nvl9ic0pj1fpyln3zaqrf4cclbqdfn1j-foo/../nvl9ic0pj1fpyln3zaqrf4cclbqdfn1j-bar
  ];
  pathStoreErrors = map fails [ (lib.path.hasStorePathPrefix storePath) ];
  subpathIsValid = map subpath.isValid [ null "" "/foo" "../foo" "foo/bar" "./foo//bar/" "foo/.." "foo/../bar" "..." "..a" "a/..b" "." "./." "a\n/../b" /foo 1 [ "a" ] ];
  subpathJoin = map subpath.join [
    [ "foo" "bar/baz" ]
    [ "./foo" "." "bar//./baz/" ]
    [ ]
    [ "." "./." ]
    [ "a/" "./b/." "c" ]
    [ ".hidden" "x.y" ]
  ];
  subpathJoinErrors = map (l: fails (subpath.join l)) [ [ /foo ] [ "" ] [ "/foo" ] [ "../foo" ] [ "a" 1 ] [ "a" "b/../c" ] ];
  subpathComponents = map subpath.components [ "." "./foo//bar/./baz/" "a" "./." "a/./b/." ".a/b." "a///b" "./" ];
  subpathComponentsErrors = map (s: fails (subpath.components s)) [ "/foo" "" "a/../b" ".." null ];
  subpathNormalise = map subpath.normalise [ "foo//bar" "foo/./bar" "foo/bar" "foo/bar/" "foo/bar/." "." "./" "./././" ".//a" "a/.../b" ];
  subpathNormaliseErrors = map (s: fails (subpath.normalise s)) [ "foo/../bar" "" "/foo" "../" 3 ];

  # lib.network
  ipv6 = map lib.network.ipv6.fromString [
    "2001:DB8::ffff/32"
    "::"
    "::1"
    "1::"
    "fe80::1/64"
    "1:2:3:4:5:6:7:8"
    "1:2:3:4:5:6:7::"
    "::2:3:4:5:6:7:8"
    "0000:0000::00ff/128"
    "2001:db8::1/ 64 "
    "ABCD:ef01:2345:6789:abcd:EF01:2345:6789/1"
    "1:0:0:0::0:0:1"
    "0001:0FFF::FFFF"
  ];
  ipv6Errors = map (a: fails (lib.network.ipv6.fromString a)) [
    ""
    ":"
    ":::"
    "::::"
    "1::2::3"
    "1:2:3"
    "1:2:3:4:5:6:7:8:9"
    "::1:2:3:4:5:6:7:8"
    "1:2:3:4:5:6:7:8::"
    "1:2:3:4::5:6:7:8"
    ":1:2:3:4:5:6:7:8"
    "1:2:3:4:5:6:7:8:"
    "1:::2"
    "::1::"
    "g::1"
    "12345::1"
    "1.2.3.4"
    "::1/0"
    "::1/129"
    "::1/064"
    "::1/a"
    "::1/"
    "::1/64/1"
    "::1/-1"
    "::ffff:1.2.3.4"
  ];
  # Each attribute is checked on its own, when it is read.
  ipv6Lazy = [
    (lib.network.ipv6.fromString "zzz").prefixLength
    (lib.network.ipv6.fromString "zzz/64").prefixLength
    (builtins.tryEval (lib.network.ipv6.fromString "zzz")).success
    (fails (lib.network.ipv6.fromString "zzz").address)
    (fails (lib.network.ipv6.fromString "::1/999").prefixLength)
    (lib.network.ipv6.fromString "::1/999").address
  ];
  eui64 = map lib.mkEUI64Suffix [
    "66:75:63:6B:20:75"
    "00-11-22-33-44-55"
    "0200.0000.0001"
    "aabbccddeeff"
    "AA:bb-CC.dd:EE:ff"
    "02:00:5e:10:00:00"
  ];
  eui64Namespace = lib.network.ipv6.mkEUI64Suffix "66:75:63:6B:20:75";
  eui64Errors = map (m: fails (lib.mkEUI64Suffix m)) [ "66:75:63:6B:20" "gg:00:00:00:00:00" "66::75:63:6B:20:75" "66:75:63:6B:20:75:" "" ];

  # lib.strings edit distances
  levenshtein = map (p: lib.strings.levenshtein (builtins.elemAt p 0) (builtins.elemAt p 1)) [
    [ "foo" "foo" ]
    [ "book" "hook" ]
    [ "hello" "Heyo" ]
    [ "" "" ]
    [ "" "abc" ]
    [ "abc" "" ]
    [ "kitten" "sitting" ]
    [ "flaw" "lawn" ]
    [ "é" "e" ]
    [ "services.nginx.enable" "services.ngnix.enabel" ]
  ];
  levenshteinAll = map (x: map (lib.strings.levenshtein x) words) words;
  levenshteinAtMost = [
    (lib.strings.levenshteinAtMost 0 "foo" "foo")
    (lib.strings.levenshteinAtMost 1 "foo" "boa")
    (lib.strings.levenshteinAtMost 2 "foo" "boa")
    (lib.strings.levenshteinAtMost 2 "This is a sentence" "this is a sentense.")
    (lib.strings.levenshteinAtMost 3 "This is a sentence" "this is a sentense.")
    (lib.strings.levenshteinAtMost (-1) "a" "a")
    (lib.strings.levenshteinAtMost (-1) "a" "b")
    (lib.strings.levenshteinAtMost 0 "a" "b")
    # nixpkgs answers these by its shortcut (the distance is within k).
    (lib.strings.levenshteinAtMost 1 "aab" "aaab")
    (lib.strings.levenshteinAtMost 2 "aaaa" "abaaaa")
    (lib.strings.levenshteinAtMost 3 "aaaaa" "abaaaaa")
    (lib.strings.levenshteinAtMost 5 "services.nginx.enable" "services.ngnix.enabel")
  ];
  levenshteinAtMostAll = map (k: map (x: map (lib.strings.levenshteinAtMost k x) words) words) [ 0 1 2 3 4 ];

  # lib.trivial
  splitByAndCompare =
    let cmp = lib.splitByAndCompare (lib.hasPrefix "foo") lib.compare lib.compare; in
    [
      (cmp "a" "z")
      (cmp "fooa" "fooz")
      (cmp "f" "a")
      (cmp "fooa" "a")
      (cmp "a" "fooa")
      (cmp "foo" "foo")
      (builtins.sort (x: y: lib.trivial.splitByAndCompare (lib.hasPrefix "_") lib.compare (y: x: lib.compare x y) x y < 0) [ "b" "_z" "a" "_a" "c" ])
    ];
  libVersions = {
    suffixJoins = lib.trivial.version == lib.trivial.release + lib.trivial.versionSuffix;
    suffixIsPre = lib.hasPrefix "pre" lib.trivial.versionSuffix;
    nixpkgsVersion = lib.nixpkgsVersion == lib.version;
    trivialNixpkgsVersion = lib.trivial.nixpkgsVersion == lib.trivial.version;
    revision = [ (lib.trivial.revisionWithDefault "unknown") (lib.trivial.revisionWithDefault "") ];
  };

  # lib.attrsets
  updateManyAttrsByPath = [
    (lib.updateManyAttrsByPath [
      { path = [ "a" "b" ]; update = old: { d = old.c; }; }
      { path = [ "a" "b" "c" ]; update = old: old + 1; }
      { path = [ "x" "y" ]; update = old: "xy"; }
    ] { a.b.c = 0; })
    (lib.attrsets.updateManyAttrsByPath [ ] { a = 1; })
    (lib.updateManyAttrsByPath [ { path = [ ]; update = old: old // { z = 1; }; } { path = [ "a" ]; update = old: old * 10; } ] { a = 2; })
    (lib.updateManyAttrsByPath [ { path = [ "a" ]; update = old: old + 1; } { path = [ "a" ]; update = old: old * 2; } ] { a = 5; b = 0; })
    (lib.updateManyAttrsByPath [ { path = [ "new" "deep" "x" ]; update = _: true; } ] { })
    (lib.updateManyAttrsByPath [ { path = [ "a" ]; update = _: { }; } { path = [ "a" "b" ]; update = _: 1; } ] { a = 1; })
    (lib.updateManyAttrsByPath [ { path = [ "a" ]; update = _: "kept"; } { path = [ "a" ]; update = old: old; } ] { a = throw "never read"; })
    (lib.updateManyAttrsByPath [ { path = [ "a" ]; update = old: throw "dropped"; } { path = [ "a" ]; update = _: 3; } ] { })
    (lib.updateManyAttrsByPath [ { path = [ "a" "b" ]; update = _: 1; } ] { a = { c = 2; }; z = throw "unread"; }).a
    (lib.updateManyAttrsByPath [ { path = [ "services" "nginx" "enable" ]; update = _: true; } { path = [ "services" "sshd" "ports" ]; update = old: old ++ [ 2222 ]; } ] { services.sshd.ports = [ 22 ]; })
  ];
  updateManyAttrsByPathErrors = map fails [
    (lib.updateManyAttrsByPath [ { path = [ "a" ]; update = old: old + 1; } ] { })
    (lib.updateManyAttrsByPath [ { path = [ "a" "b" ]; update = _: 1; } ] { a = 1; })
    (lib.updateManyAttrsByPath [ { path = [ "a" "b" "c" ]; update = old: old; } ] { a = { }; })
    (lib.updateManyAttrsByPath [ { path = [ "a" ]; update = _: 1; } ] { })
  ];
  longestValidPathPrefix =
    let x = { a = { b = 3; }; }; in
    [
      (lib.attrsets.longestValidPathPrefix [ "a" "b" "c" ] x)
      (lib.attrsets.longestValidPathPrefix [ "a" ] x)
      (lib.attrsets.longestValidPathPrefix [ "z" "z" ] x)
      # nixpkgs' documentation says [ ], but the value is looked at.
      (fails (lib.attrsets.longestValidPathPrefix [ "z" "z" ] (throw "no need")))
      (lib.attrsets.longestValidPathPrefix [ ] (throw "no need"))
      (lib.attrsets.longestValidPathPrefix [ "a" "b" ] x)
      (lib.attrsets.longestValidPathPrefix [ "services" "nginx" "virtualHosts" "x" ] { services.nginx.enable = true; })
      (lib.attrsets.longestValidPathPrefix [ "a" "x" ] { a = 1; })
    ];

  # lib.fetchers
  normalizeHash = [
    (lib.fetchers.normalizeHash { } { hash = ""; foo = "bar"; })
    (lib.fetchers.normalizeHash { } { sha256 = lib.fakeSha256; })
    (lib.fetchers.normalizeHash { hashTypes = [ "sha256" "sha512" ]; } { sha512 = ""; })
    (lib.fetchers.normalizeHash { } { sha256 = ""; url = "u"; })
    (lib.fetchers.normalizeHash { } { hash = "sha256-abc"; })
    (lib.fetchers.normalizeHash { } { outputHash = "x"; hash = "y"; sha256 = "z"; })
    (lib.fetchers.normalizeHash { required = false; } { url = "u"; })
    (lib.fetchers.normalizeHash { hashTypes = [ "sha1" ]; } { sha1 = "abc"; sha256 = "kept"; })
  ];
  normalizeHashErrors = map fails [
    (lib.fetchers.normalizeHash { } { url = "u"; })
    (lib.fetchers.normalizeHash { } { hash = "a"; sha256 = "b"; })
    (lib.fetchers.normalizeHash { hashTypes = [ "sha1" ]; } { sha1 = ""; })
    (lib.fetchers.normalizeHash { } { sha512 = "x"; })
  ];
  withNormalizedHash = {
    args = lib.functionArgs wrapped;
    argsRequired = lib.functionArgs wrappedRequired;
    calls = [
      (wrapped { url = "u"; hash = "sha256-x"; })
      (wrapped { url = "u"; sha256 = ""; })
      (wrapped { url = "u"; })
      (wrapped { url = "u"; outputHash = "o"; outputHashAlgo = "sha1"; })
      (wrappedRequired { url = "u"; sha512 = "s"; })
    ];
    errors = map fails [
      (wrappedRequired { url = "u"; })
      (wrapped { url = "u"; hash = "a"; sha256 = "b"; })
      (lib.fetchers.withNormalizedHash { } ({ url, outputHash }: url))
      (lib.fetchers.withNormalizedHash { } ({ url, hash, outputHash, outputHashAlgo }: url))
      (lib.fetchers.withNormalizedHash { hashTypes = [ "sha1" ]; } ({ sha1 ? null, outputHash, outputHashAlgo }: 1))
    ];
  };
  proxyImpureEnvVars = lib.fetchers.proxyImpureEnvVars;
  # The fake hashes normalizeHash puts for an empty one.
  fakeHashes = [ lib.fakeHash lib.fakeSha256 lib.fakeSha512 ];

  # lib.asserts
  checkAssertWarn = [
    (lib.asserts.checkAssertWarn [ { assertion = true; message = "Will not fail"; } ] [ ] "ok")
    (lib.asserts.checkAssertWarn [ ] [ "Will warn" ] { value = 1; })
    (lib.asserts.checkAssertWarn [ { assertion = true; message = "a"; } { assertion = 1 == 1; message = "b"; } ] [ "w1" "w2" ] null)
    (fails (lib.asserts.checkAssertWarn [ { assertion = false; message = "Will fail"; } ] [ ] null))
    (fails (lib.asserts.checkAssertWarn [ { assertion = true; message = "x"; } { assertion = false; message = "y"; } ] [ "w" ] 1))
  ];
}
