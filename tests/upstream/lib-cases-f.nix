# Cases for the renaming helpers of the module system (mkRenamedOptionModule,
# mkAliasOptionModule, mkRemovedOptionModule, mkChangedOptionModule,
# mkMergedOptionModule, doRename), used as NixOS and Home Manager modules use
# them. Compared between the real lib and the stand-in.
{ lib }:
let
  inherit (lib) mkOption types;
  ok = v: (builtins.tryEval (builtins.deepSeq v v)).success;
  run = modules: lib.evalModules { inherit modules; };
  checks = {
    options.warnings = mkOption { type = types.listOf types.unspecified; default = [ ]; };
    options.assertions = mkOption { type = types.listOf types.unspecified; default = [ ]; };
  };
  port = { options.srv.port = mkOption { type = types.int; default = 80; }; };
  mode = { options.srv.mode = mkOption { type = types.str; default = "normal"; }; };
  renamed = lib.mkRenamedOptionModule [ "srv" "oldPort" ] [ "srv" "port" ];
  aliased = lib.mkAliasOptionModule [ "srv" "listen" ] [ "srv" "port" ];
  removed = lib.mkRemovedOptionModule [ "srv" "legacy" ] "Use srv.port instead.";
  changed = lib.mkChangedOptionModule [ "srv" "level" ] [ "srv" "mode" ]
    (config: if config.srv.level > 100 then "high" else "low");
  merged = lib.mkMergedOptionModule [ [ "srv" "fast" ] [ "srv" "safe" ] ] [ "srv" "mode" ]
    (config:
      let get = p: lib.getAttrFromPath p config; in
      if get [ "srv" "fast" ] == true then "fast"
      else if get [ "srv" "safe" ] == true then "safe"
      else "mixed");
  # (the real lib lists sibling modules' files in another order than the
  # stand-in: one order is shown)
  inOrder = builtins.replaceStrings [ "`b.nix' and `a.nix'" ] [ "`a.nix' and `b.nix'" ];
  summary = c: { inherit (c) warnings; port = c.srv.port; };
  messages = c: map (a: { inherit (a) assertion message; }) c.assertions;
in
{
  # mkRenamedOptionModule: definitions forwarded, a warning, the old name
  # reads the new value (with a trace).
  renameRenamed = let c = (run [ checks port renamed { _file = "user.nix"; srv.oldPort = 8080; } ]).config;
    in summary c // { old = c.srv.oldPort; };
  renameRenamedUnset = let c = (run [ checks port renamed ]).config;
    in summary c // { old = c.srv.oldPort; };
  renameRenamedNewSet = let c = (run [ checks port renamed { srv.port = 81; } ]).config;
    in summary c // { old = c.srv.oldPort; };
  renameRenamedForce = summary (run [ checks port renamed
    { _file = "a.nix"; srv.oldPort = lib.mkForce 1; } { srv.port = 2; } ]).config;
  renameRenamedDefault = summary (run [ checks port renamed
    { _file = "a.nix"; srv.oldPort = lib.mkDefault 1; } { srv.port = 2; } ]).config;
  renameRenamedDefaultAlone = summary (run [ checks port renamed
    { _file = "a.nix"; srv.oldPort = lib.mkDefault 3; } ]).config;
  renameRenamedTwoFiles = map inOrder (run [ checks port renamed
    { _file = "a.nix"; srv.oldPort = lib.mkForce 1; } { _file = "b.nix"; srv.oldPort = lib.mkForce 1; } ]).config.warnings;
  renameRenamedNoWarnings = (run [ port renamed { srv.oldPort = 7; } ]).config.srv.port;
  renameRenamedOption = let o = (run [ port renamed ]).options.srv.oldPort;
    in { inherit (o) visible isDefined; type = o.type.name; };
  renameRenamedTopLevel = let c = (run [ checks { options.newTop = mkOption { type = types.listOf types.str; default = [ ]; }; }
    (lib.mkRenamedOptionModule [ "oldTop" ] [ "newTop" ]) { _file = "t.nix"; oldTop = [ "x" ]; } ]).config;
    in { inherit (c) warnings newTop; };
  renameRenamedInSubmodule = (run [ {
    options.users = mkOption { type = types.attrsOf (types.submodule {
      imports = [ port renamed ]; }); };
  } { users.alice.srv.oldPort = 22; } ]).config.users.alice.srv.port;

  # mkAliasOptionModule: the same, silent and visible.
  renameAlias = let c = (run [ checks port aliased { _file = "user.nix"; srv.listen = 443; } ]).config;
    in summary c // { alias = c.srv.listen; };
  renameAliasForce = summary (run [ checks port aliased { srv.listen = lib.mkForce 5; } { srv.port = 6; } ]).config;
  renameAliasDefault = summary (run [ checks port aliased { srv.listen = lib.mkDefault 5; } { srv.port = 6; } ]).config;
  renameAliasUnset = let c = (run [ checks port aliased ]).config; in summary c // { alias = c.srv.listen; };
  renameAliasOption = let o = (run [ port aliased ]).options.srv.listen;
    in { inherit (o) visible; type = o.type.name; };

  # mkRemovedOptionModule: an assertion per removed option, reading it throws.
  renameRemovedSet = let c = (run [ checks port removed { _file = "user.nix"; srv.legacy = true; } ]).config;
    in { asserts = messages c; inherit (c) warnings; read = ok c.srv.legacy; port = c.srv.port; };
  renameRemovedTwoFiles = map (a: a // { message = inOrder a.message; })
    (messages (run [ checks removed { _file = "a.nix"; srv.legacy = 1; } { _file = "b.nix"; srv.legacy = 1; } ]).config);
  renameRemovedUnset = let c = (run [ checks port removed ]).config;
    in { asserts = messages c; read = ok c.srv.legacy; };
  renameRemovedOption = let o = (run [ checks removed ]).options.srv.legacy;
    in { inherit (o) visible isDefined; type = o.type.name; };
  renameRemovedEmptyInstructions = messages (run [ checks (lib.mkRemovedOptionModule [ "gone" ] "")
    { _file = "g.nix"; gone = "x"; } ]).config;

  # mkChangedOptionModule: the function's result for the new option.
  renameChangedHigh = let c = (run [ checks mode changed { _file = "user.nix"; srv.level = 200; } ]).config;
    in { inherit (c) warnings; mode = c.srv.mode; level = c.srv.level; };
  renameChangedLow = (run [ checks mode changed { srv.level = 3; } ]).config.srv.mode;
  renameChangedUnset = let c = (run [ checks mode changed ]).config;
    in { inherit (c) warnings; mode = c.srv.mode; level = c.srv.level; };
  renameChangedNewWins = (run [ checks mode changed { srv.level = 200; } { srv.mode = lib.mkForce "forced"; } ]).config.srv.mode;
  renameChangedOption = let o = (run [ checks mode changed ]).options.srv.level;
    in { inherit (o) visible isDefined; type = o.type.name; };

  # mkMergedOptionModule: mergeFn only when one of the old options is set.
  renameMergedNone = let c = (run [ checks mode merged ]).config;
    in { inherit (c) warnings; mode = c.srv.mode; };
  renameMergedFast = let c = (run [ checks mode merged { _file = "f.nix"; srv.fast = true; } ]).config;
    in { inherit (c) warnings; mode = c.srv.mode; };
  renameMergedSafe = let c = (run [ checks mode merged { _file = "s.nix"; srv.safe = true; } ]).config;
    in { inherit (c) warnings; mode = c.srv.mode; };
  renameMergedBoth = let c = (run [ checks mode merged { _file = "b.nix"; srv.fast = false; srv.safe = false; } ]).config;
    in { inherit (c) warnings; mode = c.srv.mode; fast = c.srv.fast; };

  # doRename, as lib.doRename and lib.modules.doRename.
  renameDoRename = let c = (run [ checks port (lib.doRename {
      from = [ "old" ]; to = [ "srv" "port" ]; visible = true; warn = true; use = x: x + 1; })
    { _file = "d.nix"; old = 10; } ]).config;
    in summary c // { old = c.old; };
  renameDoRenameCondition = let c = (run [ checks port (lib.modules.doRename {
      from = [ "old" ]; to = [ "srv" "port" ]; visible = false; warn = true; use = x: x; condition = false; })
    { old = 10; } ]).config;
    in summary c;
  renameDoRenameNoPriority = (run [ checks port (lib.doRename {
      from = [ "old" ]; to = [ "srv" "port" ]; visible = false; warn = false; use = x: x; withPriority = false; })
    { old = lib.mkDefault 10; } { srv.port = lib.mkOverride 200 11; } ]).config.srv.port;
  renameDoRenameArgs = lib.functionArgs lib.doRename;
}
