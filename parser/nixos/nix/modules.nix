# nixplan's module system: `evalModules` with imports, disabledModules,
# option declarations, definitions with priorities (mkOverride), conditions
# (mkIf), merges (mkMerge) and ordering (mkOrder), `config` as a lazy
# fixpoint, and free merging of option paths nobody declared. Every
# definition keeps the file and position it came from.
lib:
let
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };
  inherit (lib.options) isOption showOption mkOption;
  # The files of an option as the renaming notices of nixpkgs list them.
  filesText = files: b.concatStringsSep " and " (map (f: "`${b.toString f}'") files);

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  defaultOverridePriority = 100;
  defaultOrderPriority = 1000;
  typeOf' = v: if b.isAttrs v then v._type or "" else "";
  # The distinct names of a list, in name order: for names that become a
  # set's (`genAttrs`), where their order is the set's anyway; linear in
  # the names, where `lib.unique` compares each with all before it.
  distinctNames = names: b.attrNames (b.listToAttrs (map (name: { inherit name; value = null; }) names));

  # A definition is { file; value; pos; }.

  # Push mkIf / mkMerge / mkOverride at the level of an attribute set down
  # into its attributes, so the set's names are known without evaluating
  # conditions. Returns a list of plain attribute sets.
  pushDown = v:
    let t = typeOf' v; in
    if t == "merge" then b.concatMap pushDown v.contents
    else if t == "if" then map (b.mapAttrs (_: mkIf v.condition)) (pushDown v.content)
    else if t == "override" then map (b.mapAttrs (_: mkOverride v.priority)) (pushDown v.content)
    else if t == "order" then map (b.mapAttrs (_: mkOrder v.priority)) (pushDown v.content)
    else if b.isAttrs v then [ v ]
    else throw "expected an attribute set but found ${b.typeOf v}";

  pushDownDefs = loc: defs: b.concatMap (d:
    map (v: d // { value = v; }) (b.addErrorContext "while evaluating definitions of `${showOption loc}' in ${b.toString d.file}" (pushDown d.value))) defs;

  # Expand mkMerge and mkIf at the top of a value.
  discharge = v:
    let t = typeOf' v; in
    if t == "merge" then b.concatMap discharge v.contents
    else if t == "if" then
      (if v.condition == true then discharge v.content
       else if v.condition == false then [ ]
       else throw "mkIf called with a non-Boolean condition")
    else [ v ];

  # A value made by mkDefinition stands for a whole definition: its own
  # file (and no source position) replaces the enclosing one.
  dischargeDefs = defs: b.concatMap (d: map (v:
    if typeOf' v == "definition" then v // { pos = null; }
    else d // { value = v; }) (discharge d.value)) defs;

  # Push properties of attribute-set definitions into their entries (attrsOf).
  pushDownAttrDefs = defs: b.concatMap (d: map (v: d // { value = v; }) (pushDown d.value)) defs;

  # Merge the definitions of one element of a container type; `{ }` when
  # every definition was conditional and false.
  evalElement = loc: type: arg:
    let
      defs = if arg ? merged then arg.merged else [ arg ];
      # The common case, one plain definition, needs no property handling.
      plain = b.length defs == 1 && typeOf' (b.head defs).value == "";
      sorted = if plain then defs else sortProperties (filterOverrides (dischargeDefs defs)).values;
    in if sorted == [ ] then { } else { value = type.merge loc sorted; };

  # Keep the definitions of the highest priority (lowest number).
  filterOverrides = defs:
    let
      prio = d: if typeOf' d.value == "override" then d.value.priority else defaultOverridePriority;
      highestPrio = b.foldl' (p: d: lib.min p (prio d)) 9999 defs;
      strip = d: if typeOf' d.value == "override" then dischargeDefs [ (d // { value = d.value.content; }) ] else [ d ];
    in {
      inherit highestPrio;
      values = b.concatMap strip (b.filter (d: prio d == highestPrio) defs);
    };

  # Order by mkOrder priority (stable), then remove the wrappers.
  # One definition (most options) is only stripped, as lazily.
  sortProperties = defs:
    let
      prio = d: if typeOf' d.value == "order" then d.value.priority else defaultOrderPriority;
      strip = d: if typeOf' d.value == "order" then strip (d // { value = d.value.content; }) else d;
      indexed = lib.imap0 (i: d: { inherit i d; p = prio d; }) defs;
      sorted = b.sort (x: y: x.p < y.p || (x.p == y.p && x.i < y.i)) indexed;
    in if b.length defs < 2 then map strip defs else map (x: strip x.d) sorted;

  # ----- collecting modules -------------------------------------------------

  isModuleAttrs = m: m ? config || m ? options;

  unify = file: key: m:
    let known = [ "_file" "_class" "key" "disabledModules" "imports" "meta" "freeformType" "options" "config" ]; in
    if isModuleAttrs m then {
      _file = m._file or file;
      key = b.toString (m.key or key);
      disabledModules = m.disabledModules or [ ];
      imports = m.imports or [ ];
      options = m.options or { };
      config = m.config or { };
      freeformType = m.freeformType or null;
    } else {
      _file = m._file or file;
      key = b.toString (m.key or key);
      disabledModules = m.disabledModules or [ ];
      imports = m.imports or [ ];
      options = { };
      config = b.removeAttrs m known;
      freeformType = m.freeformType or null;
    };

  applyIfFunction = key: f: args:
    if lib.isFunction f then
      let
        fargs = lib.functionArgs f;
        extra = b.mapAttrs (name: _:
          b.addErrorContext "while evaluating the module argument `${name}' in \"${key}\""
            (args.${name} or args.config._module.args.${name})) fargs;
      in f (args // extra)
    else f;

  # NixOS's own module tree is not evaluated: imports from it are empty.
  nixosTreePrefix = "/nixplan/nixos/modules/";

  # The stand-in declarations (a base module of nixplan's NixOS) that a
  # real input's NixOS module replaces, or null: disko's `module.nix` and
  # impermanence's `nixos.nix` (`"${disko}/module.nix"` of a flake input
  # or of one that is not a flake, a copy, or its flake's `nixosModules`),
  # each told by the files beside it. Never one of nixplan's own files or
  # of an unavailable source (whose files cannot be looked at: imported,
  # it is an empty module).
  replacedBy = file:
    let
      name = b.baseNameOf file;
      beside = f: b.pathExists (dirOf file + "/" + f);
    in
    if lib.hasPrefix "/nixplan/" file then null
    else if name == "module.nix" && beside "lib/types/gpt.nix" && beside "lib/default.nix" then "/nixplan/disko.nix"
    else if name == "nixos.nix" && beside "home-manager.nix" && beside "create-directories.bash" then "/nixplan/impermanence.nix"
    else null;

  loadModule = args: parentFile: parentKey: index: m:
    if (b.isPath m || b.isString m) && lib.hasPrefix nixosTreePrefix (b.toString m) then
      unify (b.toString m) (b.toString m) { }
    else if b.isPath m || (b.isString m && lib.hasPrefix "/" m) then
      let file = b.toString m; in
      let
        u = unify file file (applyIfFunction file (import m) args);
        standIn = replacedBy file;
      in
      if standIn == null then u else u // { disabledModules = u.disabledModules ++ [ standIn ]; }
    else
      let key = "${parentKey}:anon-${b.toString index}"; in
      unify parentFile key (applyIfFunction key m args);

  # The tree of modules: each listed module with the ones it imports.
  collectTree = args: parentFile: parentKey: modules:
    lib.imap1 (i: m:
      let u = loadModule args parentFile parentKey i m; in
      { key = u.key; module = u; imported = collectTree args u._file u.key u.imports; }) modules;

  treeModules = nodes: b.concatMap (n: [ n.module ] ++ treeModules n.imported) nodes;

  # The modules in the order nixpkgs' module system merges them: breadth
  # first (the listed modules, then what they import, level by level), each
  # key once, then reversed: the last module's definitions come first in a
  # list. A disabled module is left out with what only it imports; every
  # module's `disabledModules` counts, wherever it is in the tree.
  collectModules = modulesPath: tree:
    let
      disabled = disabledKeys modulesPath (treeModules tree);
      keep = b.filter (n: !(b.elem n.key disabled));
    in lib.reverseList (map (n: n.module) (b.genericClosure { startSet = keep tree; operator = n: keep n.imported; }));

  disabledKeys = modulesPath: mods: b.concatMap (m: map (d:
    if b.isAttrs d && d ? key then b.toString d.key
    else if b.isString d && !(lib.hasPrefix "/" d) then "${b.toString modulesPath}/${d}"
    else b.toString d) m.disabledModules) mods;

  # ----- declarations -------------------------------------------------------

  # Merge the option trees of all modules: leaves are lists of declarations.
  mergeDeclTrees = decls:
    let
      names = distinctNames (b.concatMap (d: b.attrNames d.options) decls);
    in lib.genAttrs names (name:
      let
        here = b.concatMap (d: if d.options ? ${name} then [ { inherit (d) file; options = d.options.${name}; } ] else [ ]) decls;
        opts = b.filter (d: isOption d.options) here;
      in
      if opts != [ ] then { _decls = opts; _sub = mergeDeclTrees (b.filter (d: !isOption d.options) here); }
      else mergeDeclTrees here);

  mergeOptionDecls = loc: decls:
    let
      # As nixpkgs' fold takes them, each declaration in turn is refused
      # where it says one of `keys` an earlier one said, else where its
      # type does not merge with the earlier ones' (`typeMerge`: two
      # `attrsOf (submodule …)` are one with both modules; two types of one
      # name that have no typeMerge, the first).
      keys = [ "default" "example" "description" "apply" ];
      step = acc: e:
        if acc.found != null then acc
        else
          let
            k = lib.findFirst (k: e.d.options ? ${k} && acc.seen ? ${k}) null keys;
            # No type is read before a second one comes (the first may
            # read the configuration), as in nixpkgs.
            typed = e.d.options ? type;
            merging = typed && acc.typed != null;
            t1 = acc.type;
            t2 = e.d.options.type;
            mergedType = if t1 ? typeMerge && t2 ? functor then t1.typeMerge t2.functor else null;
            same = t1.name == t2.name && t1.name != "submodule";
            type =
              if !typed then t1
              else if !merging then t2
              else if mergedType != null then mergedType
              else t1;
          in
          if k != null then acc // { found = { key = k; later = e; first = acc.seen.${k}; }; }
          else if merging && mergedType == null && !same then acc // { found = { key = "type"; later = e; first = acc.typed; }; }
          else {
            found = null;
            seen = b.listToAttrs (map (k: { name = k; value = e; }) (b.filter (k: e.d.options ? ${k}) keys)) // acc.seen;
            inherit type;
            typed = if acc.typed == null && typed then e else acc.typed;
          };
      folded = b.foldl' step { found = null; seen = { }; type = null; typed = null; } (lib.imap0 (i: d: { inherit i d; }) decls);
      type = if folded.type == null then lib.types.unspecified else folded.type;
      # In nixpkgs' words (the later declaration's file, all those before
      # it), said at the later declaration's `key`, or at the first one's
      # where the later is nixplan's own (the user's line).
      declaredTwice = key: later: first:
        let
          at = e: b.unsafeGetAttrPos key e.d.options;
          mine = p: p == null || b.substring 0 9 p.file == "/nixplan/";
        in
        lib.options.throwAt (if mine (at later) then at first else at later)
          "The option `${showOption loc}' in `${b.toString later.d.file}' is already declared in ${lib.options.showFiles (map (d: d.file) (lib.take later.i decls))}.";
      merged =
        if folded.found != null then declaredTwice folded.found.key folded.found.later folded.found.first
        else b.foldl' (acc: d: acc // d.options) { } decls;
    in merged // {
      inherit type;
      declarations = map (d: d.file) decls;
      loc = loc;
    };

  # ----- evaluation -----------------------------------------------------------

  evalOption = loc: opt: defs:
    let
      defaultDefs = lib.optional (opt ? default) { file = b.head opt.declarations; value = mkOverride 1500 opt.default; pos = null; };
      discharged = dischargeDefs (defaultDefs ++ defs);
      filtered = filterOverrides discharged;
      sorted = sortProperties filtered.values;
      isDefined = sorted != [ ];
      merged =
        if isDefined then b.addErrorContext "while evaluating the option `${showOption loc}'" (opt.type.merge loc sorted)
        else throw "The option `${showOption loc}' is used but not defined.";
      value = if opt ? apply && opt.apply != null then opt.apply merged else merged;
    in opt // {
      inherit value isDefined;
      highestPrio = filtered.highestPrio;
      definitions = map (d: d.value) sorted;
      definitionsWithLocations = sorted;
      files = lib.unique (map (d: d.file) sorted);
    };

  # Definitions nobody declared merge freely.
  mergeFree = loc: defs:
    let
      ds = dischargeDefs defs;
      allSets = ds != [ ] && b.all (d: b.isAttrs d.value && typeOf' d.value != "override" && typeOf' d.value != "order" && !(lib.isDerivation d.value)) ds;
    in
    if allSets then evalFreeLevel loc ds
    else
      let
        filtered = (filterOverrides ds).values;
        sorted = sortProperties filtered;
        vals = map (d: d.value) sorted;
      in
      if sorted == [ ] then throw "The option `${showOption loc}' is used but not defined."
      else if b.all b.isList vals then b.concatLists vals
      else if b.all b.isAttrs vals && !(b.any lib.isDerivation vals) then evalFreeLevel loc sorted
      else if b.all (v: v == b.head vals) vals then b.head vals
      else lib.options.throwAt (lib.options.defPos (b.tail sorted)) "The option `${showOption loc}' has conflicting definition values:\n${lib.options.showDefs sorted}";

  # nixplan records where each attribute was defined (the first definition
  # in the user's files); on real Nix this is the identity.
  setPositions = b.__nixplanSetPositions or (set: _: set);
  # Where a value is said to come from: its definition in the module met
  # first reading the imports depth first (`rank`), whatever order the
  # definitions are merged in. Positions are read from the source alone:
  # nothing is evaluated to find them. A submodule type's own modules
  # (negative ranks: a library's, such as disko's `datasets.__root` of
  # every pool) place nothing: what they define is said where the user
  # wrote the set around it, as under nixpkgs' module system.
  firstPos = defs: (b.foldl' (best: d:
    if (d.pos or null) != null && (d.rank or 0) >= 0 && (best == null || (d.rank or 0) < best.rank or 0) then d else best)
    null defs).pos or null;

  evalFreeLevel = loc: defs:
    let
      pushed = pushDownDefs loc defs;
      names = distinctNames (b.concatMap (d: b.attrNames d.value) pushed);
      sub = lib.genAttrs names (name: subDefs name pushed);
    in setPositions (lib.genAttrs names (name: mergeFree (loc ++ [ name ]) sub.${name})) (levelPositions sub);

  subDefs = name: defs: b.concatMap (d:
    if d.value ? ${name} then [ { inherit (d) file; value = d.value.${name}; pos = b.unsafeGetAttrPos name d.value; rank = d.rank or 0; } ] else [ ]) defs;

  # The definitions of each name of one level of the declared tree:
  # { name = [ definition ]; }.
  levelDefs = loc: declTree: defs:
    let
      pushed = pushDownDefs loc defs;
      names = distinctNames (b.attrNames declTree ++ b.concatMap (d: b.attrNames d.value) pushed);
    in lib.genAttrs names (name: subDefs name pushed);

  # Where each name of a level was defined, from its definitions alone:
  # never from the declarations, which a module may compute from its
  # arguments (disko's types are `diskoLib.deviceType { parent = config; }`,
  # `diskoLib` read from `config._module.args`), so that placing a
  # configuration's names never needs the configuration.
  levelPositions = b.mapAttrs (_: firstPos);

  # One level of the declared tree, given its definitions by name
  # (`levelDefs`): returns { name = node; } where a node is
  # { opt = evaluated option; } or { tree = ...; positions = ...; } or
  # { free = value; pos = ...; }.
  evalLevel = loc: declTree: byName: b.mapAttrs (name: sd:
    let
      here = loc ++ [ name ];
      decl = declTree.${name} or null;
    in
    if decl == null then { free = mergeFree here sd; pos = firstPos sd; }
    else if decl ? _decls then { opt = evalOption here (mergeOptionDecls here decl._decls) sd; }
    else
      let sub = levelDefs here decl sd; in
      { tree = evalLevel here decl sub; positions = levelPositions sub; }) byName;

  nodeConfig = node:
    if node ? opt then node.opt.value
    else if node ? free then node.free
    else setPositions (b.mapAttrs (_: nodeConfig) node.tree) node.positions;

  nodeOptions = node:
    if node ? opt then node.opt
    else if node ? tree then b.mapAttrs (_: nodeOptions) (lib.filterAttrs (_: n: !(n ? free)) node.tree)
    else { };

  # Definitions under a declared tree that no option declares, with the
  # names declared beside each (for "did you mean").
  undeclared = loc: declTree: tree: b.concatLists (b.attrValues (b.mapAttrs (name: node:
    if node ? free then [ { loc = loc ++ [ name ]; inherit (node) pos; declared = b.attrNames declTree; } ]
    else if node ? tree then undeclared (loc ++ [ name ]) (declTree.${name} or { }) node.tree
    else [ ]) tree));

  # The declared name closest to `name`, if one is close (case, or a letter
  # or two).
  closestName = name: names: if b ? __nixplanClosest then b.__nixplanClosest name names else
    let
      lower = lib.toLower name;
      close = n: lib.toLower n == lower || b.stringLength n > 2 && (lib.hasPrefix n name || lib.hasPrefix name n);
      found = b.filter close names;
    in if found == [ ] then null else b.head found;

  # `nixplanDefinitions` (nixplan's, from `submoduleWith`): one per
  # definition of the option, which are the last modules, in merge order:
  # whether that definition was a library's (`firstPos`: it places
  # nothing; disko's zpool type defines each pool's `datasets.__root`).
  # `nixplanName` (nixplan's, from `submoduleWith`): a submodule's name
  # (`{ name; default; }`, a set so that asking whether there is one
  # forces no name), given as `name` (below specialArgs, as nixpkgs) and
  # as `config._module.args.name`, as nixpkgs gives it: `‹name›` by
  # mkOptionDefault (`default`) where its options are read without a
  # definition.
  evalModules = { modules, specialArgs ? { }, prefix ? [ ], class ? null, args ? { }, strict ? false, nixplanDefinitions ? [ ], nixplanName ? null }:
    let
      # A submodule's `name` is what its `config._module.args.name` says
      # (a module may force its own, as Home Manager's specialisations do).
      moduleArgs = lib.optionalAttrs (nixplanName != null) { name = config._module.args.name; } // specialArgs // args // {
        inherit lib config options;
        _prefix = prefix;
      };
      builtinModule = {
        _file = "<nixplan/modules.nix>";
        key = "<nixplan/module-args>";
        options._module.args = mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; description = "Module arguments."; };
        options._module.check = mkOption { type = lib.types.bool; default = true; };
        options._module.freeformType = mkOption { type = lib.types.nullOr lib.types.raw; default = null; };
        # As nixpkgs gives them; a submodule's name too (disko's types read
        # `config._module.args.name`, its module `extendModules`).
        config._module.args = { inherit extendModules; moduleType = type; }
          // lib.optionalAttrs (nixplanName != null) { name = if nixplanName.default then mkOverride 1500 nixplanName.name else nixplanName.name; };
      };
      type = lib.types.submoduleWith { inherit modules specialArgs; };
      # The evaluation again with more modules (nixpkgs' `extendModules`);
      # a submodule's added modules rank as its definitions do, as the
      # user's.
      extendModules = e: evalModules {
        modules = modules ++ e.modules or [ ];
        specialArgs = specialArgs // e.specialArgs or { };
        prefix = e.prefix or prefix;
        nixplanDefinitions = if submodule then nixplanDefinitions ++ map (_: false) (e.modules or [ ]) else [ ];
        inherit class args strict nixplanName;
      };
      moduleTree = collectTree moduleArgs "<unknown-file>" "" ([ builtinModule ] ++ modules);
      mods = collectModules (specialArgs.modulesPath or "/nixplan/nixos/modules") moduleTree;
      # Each module's place reading the imports depth first (`firstPos`),
      # an option's definitions in the order they were listed.
      # A submodule's own modules (the type's, and the built-in one) and
      # what a library defined rank -1, placing nothing (`firstPos`); a
      # configuration's modules are all the user's.
      ownModules = b.length moduleTree - b.length nixplanDefinitions;
      submodule = nixplanDefinitions != [ ];
      listed =
        map (node: { inherit node; library = submodule; }) (lib.take ownModules moduleTree)
        ++ lib.reverseList (lib.zipListsWith (node: library: { inherit node library; }) (lib.drop ownModules moduleTree) nixplanDefinitions);
      ranks = b.listToAttrs (lib.imap0 (i: e: { name = e.m.key; value = if e.library then -1 else i; })
        (b.concatMap (e: map (m: { inherit m; inherit (e) library; }) (treeModules [ e.node ])) listed));
      declTree = mergeDeclTrees (map (m: { file = m._file; options = m.options; }) mods);
      defs = map (m: { file = m._file; value = m.config; pos = null; rank = ranks.${m.key}; }) mods;
      byName = levelDefs prefix declTree defs;
      evaluated = evalLevel prefix declTree byName;
      # What the modules see: not checked (a module may read its own
      # config while the check is still to come, as in NixOS).
      config = setPositions (b.mapAttrs (_: nodeConfig) evaluated) (levelPositions byName);
      freeform = b.any (m: m.freeformType != null) mods || (config._module.freeformType or null) != null;
      unknown = if strict && (config._module.check or true) && !freeform then undeclared prefix declTree evaluated else [ ];
      checkedConfig =
        if unknown == [ ] then config
        else
          let
            u = b.head unknown;
            near = closestName (lib.last u.loc) (b.filter (n: n != "_module") u.declared);
          in lib.options.throwAt u.pos "The option `${showOption u.loc}' does not exist.${if near == null then "" else " Did you mean `${showOption (lib.init u.loc ++ [ near ])}'?"}";
      # The names at the top come from the declarations alone, so a module
      # can test `options ? name` while its own definitions are collected.
      options = b.mapAttrs (name: _: nodeOptions evaluated.${name}) declTree;
    in {
      inherit options;
      # As nixpkgs gives it: without `_module` (always declared, by the
      # built-in module; the modules see it in theirs), which is the
      # result's own attribute.
      config = b.removeAttrs checkedConfig [ "_module" ];
      _module = config._module;
      inherit type extendModules;
    };

  # The renaming helpers of nixpkgs, all built on `aliasModule` below, which
  # is also what nixpkgs exposes as `doRename`.
  doRename = aliasModule;

  # The old path stays usable: its definitions move to the new one, a
  # notice goes to `warnings`, and reading it traces before giving the new
  # option's value.
  mkRenamedOptionModule = from: to: aliasModule {
    inherit from to;
    visible = false;
    warn = true;
    use = b.trace "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
  };

  # A second, documented name for an option: silent both ways.
  mkAliasOptionModule = from: to: aliasModule { inherit from to; visible = true; warn = false; use = x: x; };

  # A hidden option that only exists to be reported: setting it fails the
  # assertion (when `assertions` is checked), reading it is an error.
  mkRemovedOptionModule = optionName: replacementInstructions: { options, ... }:
    let
      shown = showOption optionName;
      gone = lib.getAttrFromPath optionName options;
    in {
      options = lib.setAttrByPath optionName (mkOption {
        visible = false;
        apply = _: throw "The option `${shown}' can no longer be used since it's been removed. ${replacementInstructions}";
      });
      config.assertions = [ {
        assertion = !gone.isDefined;
        message = "The option definition `${shown}' in ${filesText gone.files} no longer has any effect; please remove it.\n${replacementInstructions}\n";
      } ];
    };

  # Several old options folded into a new one of another type: each old one
  # is declared with a marker default, so that `mergeFn config` (which may
  # read them all) only defines the new option when one of them was set;
  # every old one that was set gets a notice in `warnings`.
  mkMergedOptionModule = from: to: mergeFn: { config, options, ... }:
    let
      marker = "_mkMergedOptionModule";
      wasSet = path: lib.getAttrFromPath path config != marker;
      notice = path:
        "The option `${showOption path}' defined in ${filesText (lib.getAttrFromPath path options).files} has been changed to `${showOption to}' that has a different type. Please read `${showOption to}' documentation and update your configuration accordingly.";
      declare = path: lib.setAttrByPath path (mkOption { visible = false; default = marker; });
    in {
      options = b.foldl' lib.recursiveUpdate { } (map declare from);
      config = { warnings = map notice (b.filter wasSet from); }
        // lib.setAttrByPath to (mkMerge (if b.any wasSet from then [ (mergeFn config) ] else [ ]));
    };

  # One old option changed into a new one through `changeFn config`.
  mkChangedOptionModule = from: to: changeFn: mkMergedOptionModule [ from ] to changeFn;

  # ----- the public names of nixpkgs' module-system helpers ---------------
  # Written from their documented behaviour, on top of the machinery above.

  mkAssert = cond: msg: content:
    mkIf (if cond then true else throw "\nFailed assertion: ${msg}") content;

  mkDefinition = def@{ file, value, ... }: def // { _type = "definition"; };

  setDefaultModuleLocation = file: module: { _file = file; imports = [ module ]; };

  # Like mkAliasAndWrapDefinitions, each definition keeping the option's
  # highest priority.
  mkAliasAndWrapDefsWithPriority = wrap: option:
    let p = option.highestPrio or defaultOverridePriority; in
    mkIf option.isDefined (wrap (mkMerge (map (mkOverride p) option.definitions)));

  mkAliasIfDef = lib.warn "Usage of 'mkAliasIfDef' has been deprecated. Use 'mkIf option.isDefined' instead."
    (option: mkIf option.isDefined);

  # A module declaring `from` as an alias of `to`: its definitions go to
  # `to` (with their priority), reading it gives `to`'s value through `use`,
  # and `warnings` (when declared) gets a notice if `warn` and it is set.
  aliasModule = { from, to, visible, warn, use, withPriority ? true, condition ? true }:
    { config, options, ... }:
    let
      fromOpt = lib.getAttrFromPath from options;
      target = lib.attrByPath to (abort "Renaming error: option `${showOption to}' does not exist.");
    in {
      options = lib.setAttrByPath from (mkOption {
        inherit visible;
        description = "Alias of {option}`${showOption to}`.";
        apply = _: use (target config);
        type = (lib.attrByPath to { } options).type or (lib.types.submodule { });
      });
      config = mkIf condition (mkMerge [
        (if options ? warnings then {
          warnings = lib.optional (warn && fromOpt.isDefined)
            "The option `${showOption from}' defined in ${filesText fromOpt.files} has been renamed to `${showOption to}'.";
        } else { })
        ((if withPriority then mkAliasAndWrapDefsWithPriority else lib.mkAliasAndWrapDefinitions)
          (lib.setAttrByPath to) fromOpt)
      ]);
    };

  mkRenamedOptionModuleWith = { from, to, sinceRelease }:
    let old = lib.oldestSupportedReleaseIsAtLeast sinceRelease; in
    aliasModule {
      inherit from to;
      visible = false;
      warn = old;
      use = lib.warnIf old "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
    };

  mkAliasOptionModuleMD = lib.warn "mkAliasOptionModuleMD is deprecated and will be removed in 26.05; please use mkAliasOptionModule."
    (from: to: aliasModule { inherit from to; visible = true; warn = false; use = x: x; });

  # ----- lower-level functions of nixpkgs' module system -------------------
  # Their nixpkgs signatures and results, for code that calls them directly.

  # mkMerge, mkIf and mkOverride over an attribute set, moved into each of
  # its attributes: a list of sets (other values are returned as they are).
  pushDownProperties = cfg:
    let
      t = typeOf' cfg;
      wrapEach = wrap: map (x: if b.isAttrs x then b.mapAttrs (_: wrap) x else x);
    in
    if t == "merge" then b.concatMap pushDownProperties cfg.contents
    else if t == "if" then wrapEach (mkIf cfg.condition) (pushDownProperties cfg.content)
    else if t == "override" then wrapEach (mkOverride cfg.priority) (pushDownProperties cfg.content)
    else [ cfg ];

  # mkMerge flattened and mkIf decided: the list of the values that remain.
  dischargeProperties = def:
    let t = typeOf' def; in
    if t == "merge" then b.concatMap dischargeProperties def.contents
    else if t == "if" then
      (if !b.isBool def.condition then throw "‘mkIf’ called with a non-Boolean condition"
       else if def.condition then dischargeProperties def.content
       else [ ])
    else [ def ];

  # The definitions of the highest override priority, unwrapped, and that
  # priority.
  filterOverrides' = defs:
    let
      prioOf = d: if typeOf' d.value == "override" then d.value.priority else defaultOverridePriority;
      unwrap = d: if typeOf' d.value == "override" then d // { value = d.value.content; } else d;
      best = if b.length defs == 1 then prioOf (b.head defs) else b.foldl' (p: d: lib.min p (prioOf d)) 9999 defs;
    in {
      highestPrio = best;
      values = map unwrap (if b.length defs == 1 then defs else b.filter (d: prioOf d == best) defs);
    };

  # nixpkgs' sortProperties: stable by mkOrder priority, which each
  # unwrapped definition keeps as `priority`.
  sortByOrder = defs:
    let
      unwrap = d: if typeOf' d.value == "order" then d // { value = d.value.content; inherit (d.value) priority; } else d;
    in b.sort (x: y: (x.priority or defaultOrderPriority) < (y.priority or defaultOrderPriority)) (map unwrap defs);

  # Apply f under the properties wrapping a definition's value.
  mapDefinitionValue = f: def:
    let t = typeOf' def; in
    if t == "merge" then def // { contents = map (mapDefinitionValue f) def.contents; }
    else if t == "if" || t == "override" || t == "order" then def // { content = mapDefinitionValue f def.content; }
    else if t == "definition" then def // { value = mapDefinitionValue f def.value; }
    else f def;

  # Merge the definitions ({ file; value; }) of one option of type `type`.
  mergeDefinitions = loc: type: defs:
    let
      single = b.length defs == 1 && (let d = b.head defs; in
        b.addErrorContext "while evaluating definitions from `${d.file}':" (!(b.isAttrs d.value && d.value ? _type)));
      normalized = b.concatMap (d: map (v: if typeOf' v == "definition" then v else { inherit (d) file; value = v; })
        (b.addErrorContext "while evaluating definitions from `${d.file}':" (dischargeProperties d.value))) defs;
      filtered = filterOverrides' normalized;
      final' =
        if single then { values = defs; highestPrio = defaultOverridePriority; }
        else {
          values = if b.any (d: typeOf' d.value == "order") filtered.values then sortByOrder filtered.values else filtered.values;
          inherit (filtered) highestPrio;
        };
      final = final'.values;
      defined = final != [ ];
      merged =
        if defined then
          let bad = b.filter (d: !(type.check d.value)) final; in
          if bad == [ ] then type.merge loc final
          else throw "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:\n${lib.options.showDefs bad}"
        else if b.isAttrs type.emptyValue && type.emptyValue ? value then type.emptyValue.value
        else throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option.";
    in {
      defsFinal' = final';
      defsFinal = final;
      mergedValue = merged;
      isDefined = defined;
      optionalValue = if defined then { value = merged; } else { };
      checkedAndMerged = { headError = null; value = merged; valueMeta = { }; };
    };

  # An option declaration with its definitions merged, as in an `options`
  # tree.
  evalOptionValue = loc: opt: defs:
    let
      all = lib.optional (opt ? default) { file = b.head opt.declarations; value = mkOverride 1500 opt.default; } ++ defs;
      res =
        if (opt.readOnly or false) && b.length all > 1
        then throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:\n${
          lib.options.showDefs (map (d: d // { value = (mergeDefinitions loc opt.type [ d ]).mergedValue; }) all)}"
        else mergeDefinitions loc opt.type all;
      value = if opt ? apply then opt.apply res.mergedValue else res.mergedValue;
    in opt // {
      value = b.addErrorContext "while evaluating the option `${showOption loc}':" value;
      inherit (res.defsFinal') highestPrio;
      inherit (res) isDefined;
      definitions = map (d: d.value) res.defsFinal;
      files = map (d: d.file) res.defsFinal;
      definitionsWithLocations = res.defsFinal;
      valueMeta = { };
      __toString = _: showOption loc;
    };

  # Per attribute of an attrsOf option: its merged value and the highest
  # priority among its definitions.
  mergeAttrDefinitionsWithPrio = opt:
    assert opt.type.name == "attrsOf" || opt.type.name == "lazyAttrsOf";
    let
      perAttr = lib.zipAttrsWith (_: defs: defs) (b.concatMap (def:
        b.concatMap (set: lib.mapAttrsToList (k: v: { ${k} = def // { value = v; }; }) set)
          (pushDownProperties def.value)) opt.definitionsWithLocations);
    in b.mapAttrs (k: defs:
      let m = mergeDefinitions (opt.loc ++ [ k ]) opt.type.nestedTypes.elemType defs; in
      { value = m.mergedValue; inherit (m.defsFinal') highestPrio; }) perAttr;

  # A module in the canonical form { _file; _class; key; disabledModules;
  # imports; options; config; }.
  unifyModuleSyntax = file: key: m:
    let
      withMeta = c: if m ? meta then mkMerge [ c { meta = m.meta; } ] else c;
      withFreeform = c: if m ? freeformType then mkMerge [ c { _module.freeformType = m.freeformType; } ] else c;
      common = {
        _file = b.toString m._file or file;
        _class = m._class or null;
        key = b.toString m.key or key;
        disabledModules = m.disabledModules or [ ];
      };
      extra = b.attrNames (b.removeAttrs m [ "_class" "_file" "key" "disabledModules" "imports" "options" "config" "meta" "freeformType" ]);
    in
    if m ? config || m ? options then
      (if extra != [ ] then
        throw "Module `${key}' has an unsupported attribute `${b.head extra}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${b.toString extra}) into the explicit `config' attribute."
      else common // {
        imports = m.imports or [ ];
        options = m.options or { };
        config = withFreeform (withMeta (m.config or { }));
      })
    else if !b.isAttrs m then throw "module ${file} (${key}) does not look like a module."
    else common // {
      imports = m.require or [ ] ++ m.imports or [ ];
      options = { };
      config = withFreeform (b.removeAttrs m [ "_class" "_file" "key" "disabledModules" "require" "imports" "freeformType" ]);
    };

  applyModuleArgsIfFunction = key: f: args@{ config, ... }: applyIfFunction key f args;

  warnExternal = name: lib.warn "External use of `lib.modules.${name}` is deprecated. If your use case isn't covered by non-deprecated functions, we'd like to know more and perhaps support your use case well, instead of providing access to these low level functions. In this case please open an issue in https://github.com/nixos/nixpkgs/issues/.";

in
{
  inherit filterOverrides' mapDefinitionValue mergeDefinitions evalOptionValue mergeAttrDefinitionsWithPrio;
  # nixpkgs warns when these low-level ones are used from outside.
  pushDownProperties = warnExternal "pushDownProperties" pushDownProperties;
  dischargeProperties = warnExternal "dischargeProperties" dischargeProperties;
  unifyModuleSyntax = warnExternal "unifyModuleSyntax" unifyModuleSyntax;
  applyModuleArgsIfFunction = warnExternal "applyModuleArgsIfFunction" applyModuleArgsIfFunction;
  inherit mkAssert mkDefinition setDefaultModuleLocation mkAliasAndWrapDefsWithPriority mkAliasIfDef
    mkRenamedOptionModuleWith mkAliasOptionModuleMD;
  inherit mkIf mkMerge mkOverride mkOrder evalModules pushDown discharge filterOverrides sortProperties
    pushDownAttrDefs evalElement dischargeDefs
    defaultOverridePriority defaultOrderPriority mkRenamedOptionModule mkAliasOptionModule mkRemovedOptionModule
    mkChangedOptionModule mkMergedOptionModule doRename;
  # nixplan's: where a value is said to come from (`attrsOf` uses it too).
  nixplanFirstPos = firstPos;
  nixplanReplacedBy = replacedBy;
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;
  mkFixStrictness = x: x;
  mkAliasDefinitions = option: mkIf (option.isDefined or false) (mkMerge option.definitions);
  mkAliasAndWrapDefinitions = wrap: option: mkIf (option.isDefined or false) (wrap (mkMerge option.definitions));
  mkDerivedConfig = opt: f: mkOverride (opt.highestPrio or defaultOverridePriority) (f opt.value);
  importApply = modulePath: staticArg: { _file = b.toString modulePath; imports = [ (import modulePath staticArg) ]; };
}
