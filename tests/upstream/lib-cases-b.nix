# Calls of nixpkgs' generators, gvariant and types.luaInline as
# configurations make them (Home Manager's dconf.settings, neovim's Lua
# config, git config, option documentation through toPretty), each with a
# JSON result. Evaluated with the real lib (by nix) and with nixplan's
# stand-in lib plus parser/nixos/nix/lib-more-b.nix (by nix and by
# nixplan): the results must be equal.
{ lib }:
let
  inherit (lib) generators gvariant mkLuaInline;
  drv = { type = "derivation"; name = "hello-2.12"; outPath = "/nix/store/0000000000000000000000000000000a-hello-2.12"; };
  ok = v: (builtins.tryEval (builtins.deepSeq v v)).success;
  # Home Manager's dconf.settings of a GNOME desktop.
  dconf = with gvariant; {
    "org/gnome/desktop/interface" = {
      color-scheme = "prefer-dark";
      enable-hot-corners = false;
      text-scaling-factor = 1.25;
      cursor-size = mkInt32 24;
      gtk-theme = "Adwaita's \"dark\"";
    };
    "org/gnome/shell" = {
      favorite-apps = [ "firefox.desktop" "org.gnome.Console.desktop" ];
      disabled-extensions = mkEmptyArray type.string;
      enabled-extensions = [ "appindicatorsupport@rgcjonas.gmail.com" ];
    };
    "org/gnome/desktop/input-sources" = {
      sources = [ (mkTuple [ "xkb" "us" ]) (mkTuple [ "xkb" "de+neo" ]) ];
      xkb-options = [ "caps:escape" "compose:ralt" ];
      mru-sources = mkEmptyArray (type.tupleOf [ type.string type.string ]);
    };
    "org/gnome/desktop/session".idle-delay = mkUint32 300;
    "org/gnome/desktop/peripherals/mouse".speed = mkDouble (-0.25);
    "org/gnome/settings-daemon/plugins/media-keys".custom-keybindings = [
      "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/custom0/"
    ];
    "org/gnome/epiphany".search-engine-providers = [
      [
        (mkDictionaryEntry "url" (mkVariant "https://duckduckgo.com/?q=%s&t=epiphany"))
        (mkDictionaryEntry "bang" (mkVariant "!d"))
        (mkDictionaryEntry "name" (mkVariant "DuckDuckGo"))
      ]
    ];
    "org/gnome/nautilus/window-state" = {
      initial-size = mkTuple [ (mkInt32 890) (mkInt32 550) ];
      maximized = true;
      sidebar = mkJust "places";
      geometry = mkNothing type.string;
      path = mkObjectpath "/org/gnome/Foo";
      counts = mkArray [ (mkUint16 1) (mkUint16 2) ];
      weird = mkVariant (mkVariant (mkInt64 (-3)));
      note = "line1\nline2 with \\ backslash";
    };
    "weird[section]"."key=with=equals" = mkUchar 7;
  };
  # A neovim configuration's Lua.
  lsp = {
    cmd = [ "typescript-language-server" "--stdio" ];
    filetypes = [ "typescript" "javascript" ];
    settings.workspace.library = mkLuaInline ''vim.api.nvim_get_runtime_file("", true)'';
    on_attach = mkLuaInline "function(client, bufnr) end";
    init_options = { };
    root_markers = [ ];
    single_file_support = true;
    port = 6008;
    ratio = 0.5;
    negative = -1;
    nothing = null;
    "key with \"quotes\"" = "va\"lue\nnext";
    pkg = drv;
    nested = [ [ 1 2 ] [ ] { a = [ { b = "c"; } ]; } ];
  };
  # A user's git configuration.
  git = {
    user = { name = "Ada Lovelace"; email = "ada@example.org"; signingKey = "ABCD1234"; };
    core = { editor = "nvim"; autocrlf = false; pager = drv; abbrev = 12; };
    url."ssh://git@github.com/".insteadOf = "https://github.com/";
    url."git@gitlab.com:".pushInsteadOf = [ "https://gitlab.com/" "gl:" ];
    "includeIf \"gitdir:~/work/\"".path = "~/work/.gitconfig";
    alias = { co = "checkout"; lg = "log --graph --pretty=format:'%h %s'"; };
    branch.main = { remote = "origin"; merge = "refs/heads/main"; };
    remote = { pushDefault = "origin"; origin = { url = "git@github.com:ada/x.git"; fetch = "+refs/heads/*:refs/remotes/origin/*"; }; };
    safe.directory = [ "/srv/a" "/srv/b" ];
    filter.lfs = { clean = "git-lfs clean -- %f"; required = true; process = null; };
    deep.a.b.c = "nested";
    escapes.value = "tab\there \"quoted\" back\\slash\nnewline";
    "key = sep".x = 1;
    odd."k = v" = 1;
  };
  deepSet = { a = { b = { c = { d = 1; }; e = [ 1 [ 2 [ 3 ] ] ]; }; f = "x"; }; g = 1; };
  pretty = generators.toPretty { };
  gv = gvariant;
in
{
  prettyScalars = map pretty [ 1 (-5) 1.5 0.1 1.0e20 true false null "" "plain" "q\"uote \\ back \${x}" /etc/hosts ];
  prettyStrings = map pretty [
    "a\nb"
    "a\nb\n"
    "a\n"
    "\n"
    "\n\n"
    "first ''quoted'' \${interp}\nsecond ''\${both}'' '''\nthird"
    "tab\there\nand \\ backslash"
  ];
  prettyStringsSingleline = map (generators.toPretty { multiline = false; }) [ "a\nb\n" "x" "''\${y}''\n" ];
  prettyNested = pretty {
    a = [ 1 "two" [ 3 [ ] { } ] { x = null; } ];
    b = { c = { d = true; }; "e f" = 1.5; "if" = "kw"; "x-y'" = 2; "1a" = 3; "" = "empty"; };
    s = "multi\nline\n";
    f = x: x;
  };
  prettyNestedOneLine = generators.toPretty { multiline = false; } { a = [ 1 [ 2 ] ]; b.c = "x\ny"; d = { }; e = [ ]; };
  prettyIndent = [
    (generators.toPretty { indent = "    "; } { a = [ 1 2 ]; b = "x\ny"; })
    (generators.toPretty { indent = "    "; multiline = false; } { a = [ 1 2 ]; b = "x\ny"; })
    (pretty [ [ "deep\nstring\n" { k = "v\nw"; } ] ])
    (pretty [ "''" "'''" "\${" "$" "\\" "'" ])
  ];
  prettyFunctions = map pretty [
    (x: x)
    ({ a, b ? 1, ... }: a)
    ({ }: 1)
    { __functor = self: x: x; }
    { __functor = self: { y, z ? 2 }: y; }
    (lib.setFunctionArgs (x: x) { p = false; q = true; })
    { f = { name }: name; }
  ];
  prettyDerivations = map pretty [ drv { type = "derivation"; } { pkgs = [ drv ]; } { type = "other"; name = "x"; } ];
  prettyValues = [
    (generators.toPretty { allowPrettyValues = true; } { __pretty = v: "<<${v}>>"; val = "inner"; })
    (generators.toPretty { allowPrettyValues = true; } { a = { __pretty = lib.id; val = "raw text"; }; b = { __pretty = 1; }; })
    (pretty { __pretty = v: "<<${v}>>"; val = "inner"; })
    (generators.toPretty { allowPrettyValues = true; multiline = false; } [ { __pretty = toString; val = 42; } ])
    (generators.toPretty { allowPrettyValues = true; } { __functor = self: x: x; __pretty = toString; val = 1; })
    (generators.toPretty { allowPrettyValues = true; } (drv // { __pretty = x: "pretty ${x}"; val = "drv"; }))
    (pretty (drv // { __pretty = x: "pretty ${x}"; val = "drv"; }))
  ];
  prettyWithRecursion = [
    (pretty (generators.withRecursion { depthLimit = 2; throwOnDepthLimit = false; } deepSet))
    (generators.toPretty { multiline = false; } (generators.withRecursion { depthLimit = 1; throwOnDepthLimit = false; } deepSet))
  ];

  withRecursion = map (limit: generators.withRecursion { depthLimit = limit; throwOnDepthLimit = false; } deepSet) [ 0 1 2 3 4 10 (-1) ]
    ++ [
      (generators.withRecursion { depthLimit = 0; throwOnDepthLimit = false; } 5)
      (generators.withRecursion { depthLimit = 1; throwOnDepthLimit = false; } 5)
      (generators.withRecursion { depthLimit = 1; throwOnDepthLimit = false; } [ 1 [ 2 ] ])
      (generators.withRecursion { depthLimit = 0; throwOnDepthLimit = false; } { a = throw "never evaluated"; b = [ (throw "no") ]; })
      (generators.withRecursion { depthLimit = 1; throwOnDepthLimit = false; } { a.b = throw "never evaluated"; c = [ (throw "no") ]; })
    ];
  withRecursionSpecial =
    let
      r = generators.withRecursion { depthLimit = 0; throwOnDepthLimit = false; }
        { __toString = self: "shown"; __pretty = 1; __functionArgs = { a = { b = 2; }; }; x = 1; };
    in
    [ (toString r) r.__pretty r.__functionArgs r.x ];
  withRecursionThrows = [
    (ok (generators.withRecursion { depthLimit = 1; } deepSet))
    (ok (generators.withRecursion { depthLimit = 10; } deepSet))
    (ok (generators.withRecursion { depthLimit = 0; } 5))
    (ok (generators.withRecursion { depthLimit = 3; } deepSet).a.b.c)
    (ok (generators.withRecursion { depthLimit = 1; } deepSet).a)
    (ok (generators.withRecursion { depthLimit = null; } deepSet))
    (ok (generators.withRecursion { depthLimit = "2"; } deepSet))
  ];

  luaConfig = generators.toLua { } lsp;
  luaOneLine = generators.toLua { multiline = false; } lsp;
  luaIndented = generators.toLua { indent = "  "; } { a = [ 1 { b = 2; } ]; };
  luaScalars = map (generators.toLua { }) [ null 1 (-2) 1.5 true false "s\"\\\n\t" [ ] { } (mkLuaInline "require('x')") drv [ null ] ];
  luaBindings = [
    (generators.toLua { asBindings = true; } {
      "vim.g.mapleader" = " ";
      "vim.opt.number" = true;
      _private = [ 1 2 ];
      callback = mkLuaInline "function() print('hi') end";
      tbl = { a = { b = 1; }; };
    })
    (generators.toLua { asBindings = true; indent = "    "; } { x = { y = [ "z" ]; }; })
    (generators.toLua { asBindings = true; multiline = false; } { x = { y = [ "z" ]; }; })
    (generators.toLua { asBindings = true; } { })
  ];
  luaBadNames = map (n: ok (generators.toLua { asBindings = true; } { ${n} = 1; })) [ "ok_name" "1bad" "a.b" "a..b" "a-b" "a.1" "" "_" ];
  luaInlineSame = [ (lib.mkLuaInline "x" == generators.mkLuaInline "x") (lib.mkLuaInline "vim.fn.stdpath('data')") ];
  luaInlineType = [
    (lib.types.luaInline.check (lib.mkLuaInline "x"))
    (lib.types.luaInline.check "x")
    (lib.types.luaInline.check { _type = "other"; })
    (lib.types.luaInline.check 5)
    (lib.types.luaInline.merge [ "programs" "neovim" "extraLua" ] [ { file = "a.nix"; value = lib.mkLuaInline "vim.o.x = 1"; } ])
    lib.types.luaInline.name
    lib.types.luaInline.description
    lib.types.luaInline.descriptionClass
    (lib.types.luaInline._type)
  ];

  gitConfig = generators.toGitINI git;
  gitSimple = [
    (generators.toGitINI { user.name = "edolstra"; url."ssh://git@github.com/".insteadOf = "https://github.com"; })
    (generators.toGitINI { })
    (generators.toGitINI { core.bare = false; })
    (generators.toGitINI { a.b.c.d.e = 1; a.x = 2; })
    (generators.toGitINI { a.b.c = 1; "a.b".d = 2; })
    (generators.toGitINI { a = { "b.c".d = 1; b.c.d = 2; }; })
    (generators.toGitINI { "sec\"q".x = "y"; "sec\"q.sub".z = 1; })
    (generators.toGitINI { section.key = [ ]; other.key = [ "only" ]; })
  ];
  gitOddValues = map (v: generators.toGitINI { s.k = v; }) [ { } [ 1 true null ] 1.5 null (-7) ];

  iniGlobal = [
    (generators.toINIWithGlobalSection { } {
      globalSection = { someGlobalKey = "hi"; count = 3; enabled = true; off = false; empty = null; ratio = 1.5; "key=eq" = "v"; };
      sections = { foo = { hi = "${drv}"; ciao = "bar"; }; baz."also, integers" = 42; "sec[1]".x = "y"; };
    })
    (generators.toINIWithGlobalSection { } { globalSection = { }; sections = { a.b = "c"; }; })
    (generators.toINIWithGlobalSection { } { globalSection = { a = "b"; }; })
    (generators.toINIWithGlobalSection { } { globalSection = { }; })
    (generators.toINIWithGlobalSection { listsAsDuplicateKeys = true; } {
      globalSection = { include = [ "a.conf" "b.conf" ]; single = "x"; };
      sections.s = { server = [ "1.1.1.1" "8.8.8.8" ]; none = [ ]; };
    })
    (generators.toINIWithGlobalSection {
      mkSectionName = n: "<${n}>";
      mkKeyValue = k: v: "${k}: ${toString v}";
    } { globalSection = { a = 1; }; sections = { "s[x]".k = 2; }; })
    (generators.toINIWithGlobalSection { } { globalSection.pkg = drv; })
  ];
  iniGlobalValues = map (v: generators.toINIWithGlobalSection { } { globalSection.k = v; }) [ "s" 1 null 0.5 drv ];

  plist = [
    (generators.toPlist { escape = true; } {
      Label = "org.nixos.<daemon>&co";
      ProgramArguments = [ "/bin/sh" "-c" "echo 'hi' > \"/tmp/x\"" ];
      RunAtLoad = true;
      KeepAlive = { SuccessfulExit = false; };
      Nice = -5;
      Ratio = 0.5;
      Nothing = null;
      _module = { args = 1; };
      Empty = [ ];
      EmptyDict = { };
      "Key<&>" = [ null 1 [ 2 ] ];
    })
    (generators.toPlist { } { a = "<b>"; c = [ 1 2 ]; })
    (generators.toPlist { escape = true; } "just a string")
    (generators.toPlist { escape = true; } null)
    (generators.toPlist { escape = true; } [ ])
    (generators.toPlist { escape = true; } { path = /etc/hosts; pkg = { outPath = "/nix/store/x"; }; f = 2.0; })
  ];

  dhall = [
    (generators.toDhall { } { name = "x"; port = 8080; offset = -3; zero = 0; on = true; off = false; tags = [ "a" "b\"c" ]; nested = { r = 1.5; }; })
    (generators.toDhall { } [ ])
    (generators.toDhall { } { })
    (generators.toDhall { } "s\n")
    (generators.toDhall { } [ [ 1 ] [ (-1) ] ])
    (generators.toDhall { } drv)
  ];

  dconfINI = generators.toDconfINI dconf;
  dconfKeyValue = [
    (generators.mkDconfKeyValue "color-scheme" "prefer-dark")
    (generators.mkDconfKeyValue "a=b" true)
    (generators.mkDconfKeyValue "n" (gv.mkInt32 (-1)))
    (generators.mkDconfKeyValue "list" [ 1.5 2.5 ])
    (generators.mkDconfKeyValue "tuple" (gv.mkTuple [ true "x" (gv.mkUint64 9) ]))
  ];
  dconfBad = map (v: ok (generators.mkDconfKeyValue "k" v)) [ 1 { } null [ ] [ 1 "a" ] (x: x) ];

  gvariantNames = builtins.attrNames gvariant;
  gvariantTypes = with gv.type; [
    string boolean uchar int16 uint16 int32 uint32 int64 uint64 double variant
    (arrayOf string) (maybeOf int32) (tupleOf [ string int32 ]) (tupleOf [ ]) (dictionaryEntryOf string variant)
    (arrayOf (dictionaryEntryOf string (arrayOf string)))
  ];
  gvariantIntConstructors = gv.intConstructors;
  gvariantIs = map gv.isGVariant [ (gv.mkString "x") "x" 1 null { } { _type = "gvariant"; } (gv.mkEmptyArray "s") [ ] ];
  gvariantShown = map toString (with gv; [
    (mkBoolean true)
    (mkBoolean false)
    (mkString "it's a \\ test\nwith newline\tand tab")
    (mkObjectpath "/org/it's")
    (mkUchar 255)
    (mkInt16 (-2))
    (mkUint16 3)
    (mkInt32 (-4))
    (mkUint32 5)
    (mkInt64 6)
    (mkUint64 7)
    (mkDouble 1.5)
    (mkDouble (-0.1))
    (mkArray [ "a" "b" ])
    (mkArray [ [ "a" ] [ "b" "c" ] ])
    (mkArray [ (mkUint32 1) (mkUint32 2) ])
    (mkArray [ true ])
    (mkEmptyArray type.string)
    (mkEmptyArray (type.arrayOf type.int32))
    (mkVariant "s")
    (mkVariant (mkUint32 1))
    (mkVariant [ 1.0 ])
    (mkDictionaryEntry "k" (mkVariant 1.5))
    (mkDictionaryEntry (mkInt32 1) [ "a" ])
    (mkMaybe type.string "raw")
    (mkMaybe type.string (mkString "wrapped"))
    (mkMaybe type.string null)
    (mkNothing type.int32)
    (mkJust "x")
    (mkJust (mkJust true))
    (mkTuple [ ])
    (mkTuple [ "a" (mkInt32 1) true 2.0 [ "l" ] ])
    (mkValue "v")
    (mkValue false)
    (mkValue 0.25)
    (mkValue [ "a" ])
    (mkValue (mkUint16 9))
  ]);
  gvariantFields = with gv; map (v: { inherit (v) _type type; }) [
    (mkObjectpath "/a") (mkDouble 1.0) (mkJust (mkInt32 1)) (mkDictionaryEntry "a" "b") (mkTuple [ "a" true ]) (mkVariant 1.0)
  ] ++ [
    (mkString "x").value
    (mkInt32 4).value
    (mkUchar 300).value
    (mkMaybe "s" "raw").value
    (mkDictionaryEntry "a" "b").value
    (map (m: m.type) (mkTuple [ "a" true ]).value)
    (mkVariant "x").value.type
    (builtins.attrNames (mkString "x"))
    (builtins.attrNames (mkArray [ "x" ]))
    ((mkArray [ ]).__toString != null)
    (mkArray [ ])._type
    (toString ((mkString "x") // { value = "y"; }))
    (toString ((mkDictionaryEntry "a" "b") // { value = { name = "c"; value = "d"; }; }))
    (toString ((mkTuple [ "a" ]) // { value = [ (mkString "b") ]; }))
  ];
  gvariantErrors = with gv; map ok [
    (mkValue 1)
    (mkValue { a = 1; })
    (mkValue null)
    (mkValue (x: x))
    (toString (mkArray [ ]))
    (mkArray [ ]).type
    (mkArray [ ]).value
    (toString (mkArray [ "a" true ]))
    (mkArray [ "a" true ]).value
    (mkArray [ "a" 1 ]).type
    (toString (mkTuple [ 1 ]))
    (mkJust 1)
    (mkVariant { })
    (mkDictionaryEntry 1 "a").type
    (toString (mkString "fine"))
  ];
}
