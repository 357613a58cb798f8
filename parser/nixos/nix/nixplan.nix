# How nixplan turns a target into an evaluated configuration: stand-ins for
# well-known flake inputs, flake loading (flake.nix + flake.lock), NixOS
# systems, colmena hives, disko configurations and plain module files.
# Written for nixplan; `builtins.__nixplanOpaque` and
# `builtins.__nixplanHost` are nixplan's own primops.
let
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };
  lib0 = import ./lib.nix;
  modulesPath = "/nixplan/nixos/modules";

  opaque = kind: name: b.__nixplanOpaque { inherit kind name; };
  pkgsFor = system: opaque "pkgs" system;

  baseModules = [ ./nixos.nix ./disko.nix ./impermanence.nix ];

  nixosSystem = nixosSystemWith lib0 baseModules;

  # NixOS as nixplan declares it, evaluated by `evalLib`'s module system:
  # nixplan's own lib, or a real nixpkgs lib (a lib-only nixpkgs input).
  # With a real lib, only nixplan's NixOS declarations are base modules
  # (disko and impermanence come from their inputs, real or stand-in), and
  # definitions of options nixplan does not declare are not checked
  # (`_module.check = false`): the rest of NixOS is not evaluated.
  nixosSystemWith = evalLib: baseModules: nixosSystemOf { inherit evalLib baseModules; pkgsPath = /nixplan; };

  # As nixpkgs' eval-config.nix: a `lib` argument is the module system
  # evaluated (a lib the flake extended), a `pkgs` argument the packages
  # (forced; else nixplan's stand-in packages by default).
  #
  # `namespaced`: NixOS's namespaces nixplan does not declare are declared
  # (namespaces.nix): where the configuration's modules define or declare
  # something, as sets of options, each name defined at their second level
  # declared whole on its own. A first evaluation, every namespace whole,
  # gives the options the modules declare there and the modules' arguments
  # for finding what they define (no condition decided).
  nixosSystemOf = { evalLib, baseModules, pkgsPath, namespaced ? false }: { modules ? [ ], specialArgs ? { }, system ? null, extraModules ? [ ], baseModules' ? baseModules, lib ? evalLib, pkgs ? null, ... }@args:
    let
      withLayout = layout: nixosSystemOf { inherit evalLib pkgsPath; baseModules = baseModules ++ [ (namespaces.module { inherit layout; }) ]; } args;
      probe = withLayout { };
      isWhole = o: lib.isOption o && o.description or null == "nixplan: a NixOS namespace declared whole";
      # The options the modules declare in namespace `ns`. Only where a
      # module declares something there (the namespace option has a
      # declaration beside nixplan's own): the submodule's options are a
      # module evaluation per namespace, most of the probe's cost where
      # nothing is declared (a disko configuration: 21 of them).
      declaredIn = ns:
        let o = probe.options.${ns}; in
        if isWhole o && b.length (o.declarations or [ null null ]) > 1 then b.attrNames (b.removeAttrs (o.type.getSubOptions [ ns ]) [ "_module" "_freeformOptions" ]) else [ ];
      defined = definedNames {
        modules = extraModules ++ modules;
        moduleArgs = { inherit lib; inherit (probe) options config; _class = "nixos"; _prefix = [ ]; specialArgs = { inherit modulesPath; } // specialArgs; } // { inherit modulesPath; } // specialArgs;
        extraArgs = probe._module.args;
        declared = probe.options;
      } namespaces.names;
      # Those found at the top that nothing declares, declared the same way
      # where their definitions are sets (so that a condition reading one
      # of them sees what the configuration defines there).
      extra = b.filter (n: !(b.elem n namespaces.names) && defined.${n} != [ ]) (b.attrNames defined);
      layout = b.listToAttrs (lib0.concatMap (ns:
        let
          declared = if b.elem ns extra then [ ] else declaredIn ns;
          here = b.filter (n: !(b.elem n declared)) defined.${ns};
        in
        lib0.optional (declared != [ ] || here != [ ]) { name = ns; value = { defined = here; inherit declared; }; }) (namespaces.names ++ extra));
    in
    if namespaced then withLayout layout else
    let
      eval = lib.evalModules {
        specialArgs = { inherit modulesPath; } // specialArgs;
        modules = baseModules' ++ [
          ({ config, ... }: {
            _module.args.pkgs =
              if pkgs != null then lib.mkForce pkgs
              else lib.mkDefault (import ./inputs/nixpkgs {
                system = config.nixpkgs.hostPlatform.system;
                overlays = config.nixpkgs.overlays;
                lib = evalLib;
                path = pkgsPath;
              });
          })
        ] ++ lib0.optional (system != null) { nixpkgs.system = lib.mkDefault system; } ++ extraModules ++ modules;
      };
    in eval // { _type = "configuration"; class = "nixos"; };

  lib = lib0 // { inherit nixosSystem; };

  namespaces = import ./namespaces.nix;

  # The names the modules define at the second level of each namespace in
  # `nss` (`programs.firefox`), from every module `modules` imports, as the
  # module system reads their structure but deciding no condition: a name
  # defined under a false `mkIf` is listed too (it is then declared and
  # empty), and so is one a module also declares (left to the caller).
  # `disabledModules` are followed too. A module whose structure throws
  # here counts as defining nothing (any other error, as in the module
  # system, stops the evaluation).
  definedNames = { modules, moduleArgs, extraArgs, declared }: nss:
    let
      # As the module system calls a module: its arguments, those it names
      # from `_module.args` where not given.
      call = m:
        let f = if b.isPath m || b.isString m then import m else m; in
        if lib0.isFunction f then f (moduleArgs // b.mapAttrs (n: _: moduleArgs.${n} or extraArgs.${n}) (lib0.functionArgs f))
        else f;
      keyOf = parent: i: m:
        if b.isPath m || b.isString m then b.toString m
        else if b.isAttrs m && m ? key then b.toString m.key
        else "${parent}:${b.toString i}";
      items = parent: lib0.imap0 (i: m: { key = keyOf parent i m; v = call m; });
      all = b.genericClosure {
        startSet = items "<top>" modules;
        operator = item: if b.isAttrs item.v then items item.key (item.v.imports or [ ]) else [ ];
      };
      configOf = v:
        if !(b.isAttrs v) then { }
        else if v ? config || v ? options then v.config or { }
        else b.removeAttrs v [ "imports" "_file" "key" "disabledModules" "meta" "freeformType" "_class" "require" ];
      # A definition's plain sets, through mkMerge, mkIf (condition not
      # read), mkOverride, mkOrder and mkDefinition.
      parts = v:
        let t = if b.isAttrs v then v._type or null else null; in
        if t == "merge" then lib0.concatMap parts v.contents
        else if t == "if" || t == "override" || t == "order" then parts v.content
        else if t == "definition" then parts v.value
        else if b.isAttrs v && t == null then [ v ]
        else [ ];
      namesIn = ns: c:
        if ns == null then lib0.concatMap b.attrNames (parts c)
        else lib0.concatMap (p: lib0.concatMap b.attrNames (parts (p.${ns} or { }))) (parts c);
      safely = ns: c: let r = b.tryEval (let n = namesIn ns c; in b.deepSeq n n); in if r.success then r.value else [ ];
      configs = map (item: configOf item.v) all;
      namesOf = ns: lib0.unique (lib0.concatMap (safely ns) configs);
      # The names defined at the top that nothing declares (the namespace
      # of an input that is unavailable, whose modules are empty).
      undeclared = b.filter (n: !(declared ? ${n}) && b.substring 0 1 n != "_") (namesOf null);
    in
    b.listToAttrs (map (ns: { name = ns; value = namesOf ns; }) (nss ++ undeclared));

  # Well-known inputs, by repository name. Their modules are files where
  # the real input's are (`"${disko}/module.nix"` imports the same module
  # as `disko.nixosModules.disko`).
  standIns = {
    nixpkgs = {
      inherit lib;
      legacyPackages = lib0.genAttrs lib0.systems.flakeExposed pkgsFor;
      nixosModules.notDetected = { };
      outPath = "/nixplan/inputs/nixpkgs";
      __toString = self: self.outPath;
    };
    disko = {
      nixosModules = { disko = ./inputs/disko/module.nix; default = ./inputs/disko/module.nix; };
      outPath = "/nixplan/inputs/disko";
    };
    impermanence = {
      nixosModules = { impermanence = ./inputs/impermanence/nixos.nix; default = ./inputs/impermanence/nixos.nix; };
      outPath = "/nixplan/inputs/impermanence";
    };
    home-manager = {
      nixosModules = { home-manager = ./inputs/home-manager/nixos; default = ./inputs/home-manager/nixos; };
      # Home Manager's DAG entries (`home.activation` and others) as its
      # documentation describes them: { data; before; after; }.
      lib.hm.dag =
        let
          entryBetween = before: after: data: { inherit data before after; };
        in {
          empty = { };
          isEntry = e: e ? data && e ? after && e ? before;
          isDag = dag: b.isAttrs dag && b.all (e: e ? data && e ? after && e ? before) (b.attrValues dag);
          inherit entryBetween;
          entryAnywhere = entryBetween [ ] [ ];
          entryAfter = entryBetween [ ];
          entryBefore = before: entryBetween before [ ];
          map = f: b.mapAttrs (n: v: v // { data = f n v.data; });
        };
      outPath = "/nixplan/inputs/home-manager";
    };
    sops-nix = {
      nixosModules = { sops = ./inputs/sops-nix/modules/sops; default = ./inputs/sops-nix/modules/sops; };
      homeManagerModules = { sops = ./inputs/sops-nix/modules/home-manager/sops.nix; default = ./inputs/sops-nix/modules/home-manager/sops.nix; };
      homeManagerModule = ./inputs/sops-nix/modules/home-manager/sops.nix;
      outPath = "/nixplan/inputs/sops-nix";
    };
    agenix = {
      nixosModules = { age = ./inputs/agenix/modules/age.nix; agenix = ./inputs/agenix/modules/age.nix; default = ./inputs/agenix/modules/age.nix; };
      homeManagerModules = { age = ./inputs/agenix/modules/age-home.nix; agenix = ./inputs/agenix/modules/age-home.nix; default = ./inputs/agenix/modules/age-home.nix; };
      outPath = "/nixplan/inputs/agenix";
    };
    nixos-hardware = {
      nixosModules = opaque "modules" "nixos-hardware";
      outPath = "/nixplan/inputs/nixos-hardware";
    };
    colmena = {
      lib.makeHive = hive: hive // { __nixplanHive = true; };
      outPath = "/nixplan/inputs/colmena";
    };
    import-tree = importTree;
  };

  # vic/import-tree as its documentation describes it: called with a path
  # (or a list of them), a module importing every `.nix` file under it,
  # recursively, except where a path component (below the given root)
  # begins with `_`; `.filter`, `.filterNot`, `.match`, `.matchNot`, `.map`,
  # `.addPath`, `.initFilter`, `.pipeTo`, `.withLib`, `.leafs`, `.files`,
  # `.result` and `.new` build on it.
  importTree =
    let
      initial = {
        paths = [ ];
        filters = [ ];
        maps = [ ];
        init = rel: lib0.hasSuffix ".nix" rel && !(lib0.hasInfix "/_" rel);
        pipe = files: { imports = files; };
      };
      # Every file under `root` (a file stands for itself), with the path
      # below `root` that `init` judges (starting with "/").
      walk = root:
        if b.isList root then lib0.concatMap walk root
        # A flake input or other source: the files under its outPath.
        else if b.isAttrs root && root ? outPath && !(root ? __functor) then walk root.outPath
        # Another import-tree: its files.
        else if b.isAttrs root && root ? files && root ? __functor then map (f: { value = f; rel = null; }) root.files
        else if !(b.isPath root || b.isString root) then [ { value = root; rel = null; } ]
        # An unavailable source's tree is not here: one unread module
        # (imported: recorded, and empty).
        else if lib0.hasPrefix "/nixplan/unavailable/" (b.toString root) then [ { value = root; rel = null; } ]
        else if b.pathExists root && b.readFileType root == "directory" then
          let
            go = dir: rel: lib0.concatLists (lib0.mapAttrsToList
              (name: type:
                if type == "directory" then go (dir + "/${name}") "${rel}/${name}"
                else [ { value = dir + "/${name}"; rel = "${rel}/${name}"; } ])
              (b.readDir dir));
          in go root ""
        else [ { value = root; rel = "/" + b.baseNameOf (b.toString root); } ];
      mk = st:
        let
          with' = change: mk (st // change);
          files = lib0.pipe (walk st.paths) [
            # Filters see the path below the root (`/a/b.nix`).
            (b.filter (e: e.rel == null || (st.init e.rel && b.all (f: f e.rel) st.filters)))
            (map (e: b.foldl' (v: f: f v) e.value st.maps))
          ];
        in {
          # Called by the module system itself (imported as a module, its
          # argument the module arguments): only the paths added so far.
          __functor = self: path:
            if b.isAttrs path && path ? options && path ? config then (mk st).result
            else (with' { paths = st.paths ++ [ path ]; }).result;
          filter = f: with' { filters = st.filters ++ [ f ]; };
          filterNot = f: with' { filters = st.filters ++ [ (p: !(f p)) ]; };
          match = re: with' { filters = st.filters ++ [ (p: b.match re p != null) ]; };
          matchNot = re: with' { filters = st.filters ++ [ (p: b.match re p == null) ]; };
          map = f: with' { maps = st.maps ++ [ f ]; };
          addPath = path: with' { paths = st.paths ++ [ path ]; };
          initFilter = f: with' { init = rel: f rel; };
          pipeTo = f: with' { pipe = f; };
          withLib = _: mk st;
          leafs = path: (with' { paths = st.paths ++ [ path ]; }).files;
          inherit files;
          result = st.pipe files;
          new = mk initial;
          outPath = "/nixplan/inputs/import-tree";
        };
    in mk initial;

  repoOf = spec:
    let
      url = spec.url or "";
      m = b.match "(github|gitlab|sourcehut):([^/]+)/([^/?]+).*" url;
      m2 = b.match ".*/([^/?]+?)(\\.git)?([?].*)?" url;
    in
    if spec ? repo then spec.repo
    else if m != null then b.elemAt m 2
    else if m2 != null then b.head m2
    else null;

  # Where an input's source is: nixplan's host resolves it (override,
  # path, /nix/store, nixplan's cache, or fetched and checked against the
  # lock's narHash). Run by real nix, this file has no host: every input is
  # then unavailable and only stand-ins serve.
  hostCall = b.__nixplanHost or (request: args:
    if request == "input" then { origin = "unavailable"; path = null; reason = "no nixplan host"; flake = true; dir = null; }
    else true);

  # An input that could not be had, used anyway: a stand-in, or empty
  # modules. The host records it (the plan says so; --strict-inputs makes
  # it an error).
  degraded = path: used: reason: value:
    b.seq (hostCall "degraded" { inherit path used reason; }) value;

  # The attributes of `self.sourceInfo` nix gives, where the lock has them.
  sourceInfoOf = outPath: src:
    { inherit outPath; }
    // lib0.optionalAttrs (src.narHash or null != null) { inherit (src) narHash; }
    // lib0.optionalAttrs (src.rev or null != null) { inherit (src) rev shortRev; }
    // lib0.optionalAttrs (src.lastModified or null != null) { inherit (src) lastModified lastModifiedDate; }
    // lib0.optionalAttrs (src.revCount or null != null) { inherit (src) revCount; };

  # Evaluate the flake tree rooted at `dir` as nix does (call-flake.nix):
  # every lock node once, each input of a flake the node its lock names
  # (`follows` walked from the root).
  loadTree = dir: lock: loadTreeWith { inherit dir lock; };

  # `flakeId`: which lock the host resolves nodes in (0: the target's; a
  # flake `builtins.getFlake` loaded has its own); `info`: the root's
  # sourceInfo.
  # `at`: where the root's files are read (its store path), when not `dir`.
  # `outPath`: the root flake's `self.outPath` when not its sourceInfo's
  # (a flake in a subdirectory of its source).
  loadTreeWith = { dir, lock, flakeId ? 0, info ? { outPath = dir; }, at ? dir, outPath ? null }:
    let
      resolveNode = ref:
        if b.isList ref then b.foldl' (k: n: let r = lock.nodes.${k}.inputs.${n} or null; in if r == null then null else if b.isList r then resolveNode r else r) lock.root ref
        else ref;

      # The value of lock node `key`: the flake (or plain source) it locks,
      # or what stands in for it.
      # Where each node's source is (asked of the host once per node).
      # A relative `path:` input is relative to the flake that declares it:
      # the lock names that flake (`parent`, an input path from the root;
      # nix 2.26 and later write it), whose own source (not its outputs,
      # which may need this very input) gives the base.
      sources = b.mapAttrs (key: _: hostCall "input" { node = key; path = null; base = baseOf key; flake = flakeId; }) lock.nodes;
      baseOf = key:
        let
          node = lock.nodes.${key};
          parentKey = if node ? parent then resolveNode node.parent else null;
          p = sources.${parentKey};
        in
        if parentKey == null || parentKey == lock.root || p.path == null then dir
        else p.path + lib0.optionalString (p.dir or null != null) "/${p.dir}";

      nodeValue = key: sourceValue key lock.nodes.${key} sources.${key};

      sourceValue = key: node: src:
        if src.path != null then
          let
            # A locked source nixplan keeps outside the store (its cache,
            # also what it fetched) is read at the store path nix gives it
            # (from its narHash), its files where they are: `"${input}/x"`
            # names a store path as under nix (sops-nix checks that its
            # files are in the store). An override is read where it is (its
            # store path would need all of it hashed on every run).
            top =
              if (src.origin == "cache" || src.origin == "fetched") && src.narHash or null != null && b ? __nixplanAlias
              then b.__nixplanAlias (b.__nixplanLockedPath src.narHash) src.path
              else src.path;
            root = if src.dir or null != null then top + "/" + src.dir else top;
            info = sourceInfoOf top src;
          in
          if src.flake && b.pathExists (root + "/flake.nix") then realModules key node src (libOnly key node src root (callFlake root key info))
          else info
        else unavailable key node src;

      # disko's and impermanence's NixOS modules, each wrapped under a key
      # of its own for `disabledModules` (`.disko` and `.default`, one
      # file, are one module). In a NixOS that nixplan's own lib evaluates
      # (the flake's nixpkgs unavailable), nixplan's own declarations of
      # them are among the base modules: the real module replaces them
      # (also told by its file, modules.nix `replacedBy`).
      realModules = key: node: src: flake:
        let
          repo = (node.locked or { }).repo or (node.original or { }).repo or (repoOf (node.original or { }));
          path = src.label or key;
          guard = standIn: name: m: {
            key = "nixplan:real-${path}:" + (if b.isPath m || b.isString m then b.toString m else "${path}:${name}");
            imports = [ m ];
            disabledModules = [ standIn ];
          };
          # By name, or by its files (a fork, another name).
          is = name: repo == name || path == name
            || lib0.modules.nixplanReplacedBy (b.toString (flake.outPath or "/nixplan/none") + (if name == "disko" then "/module.nix" else "/nixos.nix")) == "/nixplan/${name}.nix";
        in
        if is "disko" && b.isAttrs (flake.nixosModules or null) then
          flake // { nixosModules = b.mapAttrs (guard "/nixplan/disko.nix") flake.nixosModules; }
        # Only its NixOS modules: `nixosModules.home-manager` is a set of
        # Home Manager modules.
        else if is "impermanence" && b.isAttrs (flake.nixosModules or null) then
          let guarded = name: guard "/nixplan/impermanence.nix" name flake.nixosModules.${name}; in
          flake // {
            nixosModules = flake.nixosModules // lib0.genAttrs (b.filter (n: flake.nixosModules ? ${n}) [ "impermanence" "default" ]) guarded;
          } // lib0.optionalAttrs (flake ? nixosModule) { nixosModule = guard "/nixplan/impermanence.nix" "nixosModule" flake.nixosModule; }
        else flake;

      # A nixpkgs that is only its lib (the nixpkgs.lib flake, or nixpkgs
      # without nixos/): its real lib, with `lib.nixosSystem` evaluating
      # nixplan's NixOS declarations by that lib, and stand-in packages.
      libOnly = key: node: src: root: flake:
        let
          repo = (node.locked or { }).repo or (node.original or { }).repo or null;
          isNixpkgs = repo == "nixpkgs" || repo == "nixpkgs.lib" || (src.label or key) == "nixpkgs";
          path = src.label or key;
        in
        if isNixpkgs && flake ? lib && !(b.pathExists (root + "/nixos/lib/eval-config.nix")) then
          let
            # `pkgs.path`: the real lib/ beside nixplan's NixOS tree.
            # One per source and input (its own lib), named by a hash of
            # where it is and then the input's label (`%` and `/`
            # percent-encoded), by which a colmena hive's
            # `import nixpkgs { }` on it is told (`libOnlyOf`).
            pkgsKey = "n" + b.substring 0 16 (b.hashString "sha256" (b.toString root)) + "-" + b.replaceStrings [ "%" "/" ] [ "%25" "%2F" ] path;
            pkgsPath = b.dirOf ((b.__nixplanAlias or (t: _: t)) "/nixplan/pkgs-path/${pkgsKey}/lib" (root + "/lib"));
            nixosSystemBy = libOnlySystem path pkgsPath;
            # As nixpkgs' flake.nix: an extension of its lib, so that a
            # flake's own `lib.extend` keeps `nixosSystem`.
            lib' =
              if flake.lib ? extend then flake.lib.extend (final: prev: { nixosSystem = nixosSystemBy final; })
              else flake.lib // { nixosSystem = nixosSystemBy flake.lib; };
          in
          flake // {
            lib = lib';
            # Stand-in packages, with the real lib as `pkgs.lib` and a real
            # `callPackage` (Home Manager's flake calls its tests with
            # `pkgs.lib` when flake-utils-plus looks into its packages).
            legacyPackages = lib0.genAttrs lib0.systems.flakeExposed (system:
              import ./inputs/nixpkgs { inherit system; lib = lib'; path = pkgsPath; });
            nixosModules = flake.nixosModules or { } // { notDetected = { }; };
            # `import nixpkgs { }`: stand-in packages with the real lib.
            outPath = pkgsPath;
          }
        else flake;

      unavailable = key: node: src:
        let
          locked = node.locked or { };
          original = node.original or { };
          repo = locked.repo or original.repo or (repoOf original);
          path = src.label or key;
          owner = locked.owner or original.owner or null;
          # As `has_stand_in` (inputs.rs) lists them for `nixplan inputs`.
          systems = [ "default" "default-linux" "default-darwin" "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
        in
        # github:nix-systems/*: a list of systems, known by name.
        if owner == "nix-systems" && b.elem repo systems then
          degraded path "stand-in" src.reason { outPath = "/nixplan/inputs/nix-systems/${repo}"; }
        else if repo != null && standIns ? ${repo} then degraded path "stand-in" src.reason (standIns.${repo} // { _type = "flake"; })
        # snowfall-lib, whose repository's name says nothing.
        else if owner == "snowfallorg" && repo == "lib" then
          degraded path "stand-in" src.reason (import ./snowfall.nix // { _type = "flake"; outPath = "/nixplan/inputs/snowfall-lib"; })
        # A plain source (`flake = false`) is its source info, known from
        # the lock without the source (`input.lib or null` is null, as in
        # nix); a file read below it is unread (an `Unread` value, recorded
        # when read).
        else if !(src.flake or true) then sourceInfoOf "/nixplan/unavailable/${path}" src
        else
          let
            # Its modules are empty, and what they would have declared is
            # accepted unchecked (in NixOS, and in Home Manager's own
            # evaluation of a user, which checks by itself).
            modules = degraded path "empty modules" src.reason (opaque "modules" path);
            unchecked = { _type = "override"; priority = 50; content = false; };
            module = degraded path "empty modules" src.reason { _module.check = unchecked; };
            # A flake-parts module: its per-system options unchecked too.
            flakeModule = degraded path "empty modules" src.reason { _module.check = unchecked; perSystem._module.check = unchecked; };
            # Packages are stand-ins anyway where nixpkgs is (a lib-only
            # nixpkgs): its packages are opaque ones too, and its overlays
            # change nothing.
            packages = degraded path "stand-in packages" src.reason (lib0.genAttrs lib0.systems.flakeExposed pkgsFor);
            noOverlay = final: prev: { };
            overlays = degraded path "stand-in packages" src.reason (b.__nixplanOpaque { kind = "uniform"; name = path; every = noOverlay; });
            overlay = degraded path "stand-in packages" src.reason noOverlay;
          in b.__nixplanOpaque {
            kind = "input";
            name = path;
            inherit (src) reason;
            attrs = {
              nixosModules = modules;
              nixosModule = module;
              homeManagerModules = modules;
              homeManagerModule = module;
              homeModules = modules;
              darwinModules = modules;
              flakeModules = degraded path "empty modules" src.reason (b.__nixplanOpaque { kind = "uniform"; name = path; every = flakeModule; });
              inherit flakeModule;
              inherit packages overlays overlay;
              legacyPackages = packages;
            }
            # What nix gives of a flake from its lock alone.
            // sourceInfoOf "/nixplan/unavailable/${path}" src
            // { sourceInfo = sourceInfoOf "/nixplan/unavailable/${path}" src; }
            // lib0.optionalAttrs (src.flake or true) {
              # Told apart from plain sources (flake-parts' `inputs'`).
              _type = "flake";
            };
          };

      allNodes = b.mapAttrs (key: _: if key == lock.root then rootFlake else nodeValue key) lock.nodes;

      callFlake = fdir: key: info:
        let
          flake = import (fdir + "/flake.nix");
          node = lock.nodes.${key} or { inputs = { }; };
          declared = flake.inputs or { };
          outputArgs = b.attrNames (b.removeAttrs (b.functionArgs flake.outputs) [ "self" ]);
          # The inputs the flake declares (and its outputs ask for), as nix
          # locks them: an override's own flake.nix decides, not the lock
          # node it replaces.
          names = lib0.unique (b.attrNames declared ++ outputArgs);
          inputFor = name:
            let
              spec = declared.${name} or { };
              ref = (node.inputs or { }).${name} or null;
              target = resolveNode ref;
              follows = spec.follows or null;
            in
            if ref != null then
              (if target != null then allNodes.${target}
              else throw "the input '${name}' of ${fdir}/flake.nix follows an input the lock does not have: run `nix flake lock`")
            else if follows != null then
              (if follows == "" then rootFlake
              else lib0.attrByPath (lib0.splitString "/" follows) (throw "the input '${name}' follows '${follows}', which does not exist") rootFlake.inputs)
            else
              # Not in the lock: only an override can give it.
              let
                path = if key == lock.root then name else "${key}/${name}";
                src = hostCall "input" { node = null; inherit path; base = fdir; flake = flakeId; };
                at = b.unsafeGetAttrPos name declared;
              in
              if src ? error then (b.__nixplanThrowAt or (_: throw)) (if at != null then at else { file = fdir + "/flake.nix"; line = 1; column = 1; }) src.error
              else sourceValue path { original = spec; } (src // { label = path; });
          inputs' = lib0.genAttrs names inputFor;
          outputs = flake.outputs (inputs' // { inherit self; });
          self = info // outputs // {
            inherit outputs;
            inputs = inputs';
            sourceInfo = info;
            outPath = if key == lock.root && outPath != null then outPath else info.outPath;
            _type = "flake";
          };
        in self;

      rootFlake = callFlake at lock.root info;
    in rootFlake;

  # The user's flake, evaluated as nix evaluates it: from its copy in the
  # store (`self.outPath` is /nix/store/HASH-source, `"${self}/x"` and
  # `./x` name a store path, as sops-nix's check of its files expects).
  # In a git work tree that is the files git tracks of the whole tree
  # (`root`), the flake read in its subdirectory; else the flake's
  # directory (the host says which). Nothing is written: reading under the
  # store path reads the files where they are, and diagnostics name them
  # there.
  loadFlake = dir:
    let
      out = hostCall "flakeSource" { inherit dir; };
      leftOut = b.listToAttrs (map (p: { name = p; value = true; }) out.leftOut);
      src = b.path { path = out.root; name = "source"; filter = p: _: !(leftOut ? ${p}); };
      at = if out.sub == "" then src else "${src}/${out.sub}";
      # As nix gives a flake's source: the copy of all of it (also for a
      # flake in a subdirectory, whose `self.outPath` is that
      # subdirectory), its NAR hash, and for git the commit's facts.
      info = lib0.filterAttrs (_: v: v != null) (out.info or { }) // {
        outPath = src;
        narHash = b.__nixplanNarHash src;
      };
    in
    if b.isAttrs out && out ? leftOut
    then loadTreeWith { inherit dir at info; lock = readLock dir; outPath = at; }
    else loadTree dir (readLock dir);

  # `builtins.getFlake`, as the host answered it (getflake.nix).
  loadGotFlake = got: loadTreeWith {
    dir = got.flakeDir;
    lock = readLock got.flakeDir;
    flakeId = got.id;
    info = sourceInfoOf got.outPath got;
  };

  readLock = dir:
    if b.pathExists (dir + "/flake.lock") then b.fromJSON (b.readFile (dir + "/flake.lock"))
    else { nodes = { root = { inputs = { }; }; }; root = "root"; };

  colmenaModule = { name, lib, ... }: {
    options.deployment = {
      targetHost = lib.mkOption { type = lib.types.nullOr lib.types.str; default = name; };
      targetPort = lib.mkOption { type = lib.types.nullOr lib.types.port; default = null; };
      targetUser = lib.mkOption { type = lib.types.nullOr lib.types.str; default = "root"; };
      allowLocalDeployment = lib.mkOption { type = lib.types.bool; default = false; };
      buildOnTarget = lib.mkOption { type = lib.types.bool; default = false; };
      replaceUnknownProfiles = lib.mkOption { type = lib.types.bool; default = true; };
      privilegeEscalationCommand = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ "sudo" "-H" "--" ]; };
      tags = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      sshOptions = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      keys = lib.mkOption {
        default = { };
        type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
          options.name = lib.mkOption { type = lib.types.str; default = name; };
          options.text = lib.mkOption { type = lib.types.nullOr lib.types.str; default = null; };
          options.keyFile = lib.mkOption { type = lib.types.nullOr (lib.types.either lib.types.str lib.types.path); default = null; };
          options.keyCommand = lib.mkOption { type = lib.types.nullOr (lib.types.listOf lib.types.str); default = null; };
          options.destDir = lib.mkOption { type = lib.types.str; default = "/run/keys"; };
          options.user = lib.mkOption { type = lib.types.str; default = "root"; };
          options.group = lib.mkOption { type = lib.types.str; default = "root"; };
          options.permissions = lib.mkOption { type = lib.types.str; default = "0600"; };
          options.uploadAt = lib.mkOption { type = lib.types.enum [ "pre-activation" "post-activation" ]; default = "pre-activation"; };
        }));
      };
    };
  };

  hiveNode = hiveNodeWith true;

  # A colmena hive (`hermetic`: a flake's, whose meta.nixpkgs must be a
  # package set; else a hive.nix, where it may also be a path or a
  # function, and defaults to <nixpkgs> when the search path has it).
  hiveNodeWith = hermetic: hive: name:
    let
      meta = hive.meta or { };
      nodeNames = hiveNames hive;
      nodes = lib0.genAttrs nodeNames (n: evalNode n);
      # colmena's meta.nodeNixpkgs.NAME, else meta.nixpkgs: a package set
      # (`import nixpkgs { system = ...; }`). A flake hive is hermetic, so
      # a path, a function or the flake input itself is refused, as colmena
      # refuses it. Its system, overlays and config reach the node as
      # colmena passes them (the system as eval-config's `system`, overlays
      # and config before the node's own).
      pkgsOf = n:
        let
          where = if (meta.nodeNixpkgs or { }) ? ${n} then "meta.nodeNixpkgs.${n}" else "meta.nixpkgs";
          given = (meta.nodeNixpkgs or { }).${n} or meta.nixpkgs or null;
          pos = if (meta.nodeNixpkgs or { }) ? ${n} then b.unsafeGetAttrPos n meta.nodeNixpkgs else b.unsafeGetAttrPos "nixpkgs" meta;
          throwAt = if pos != null then (b.__nixplanThrowAt or (_: throw)) pos else throw;
          refused = what: throwAt "passing ${what} as ${where} is not accepted in a flake (colmena refuses it too): initialize it, as ${where} = import nixpkgs { system = \"x86_64-linux\"; overlays = [ ]; };";
          fromSearchPath = b.any (e: (e.prefix or null) == "nixpkgs") (b.nixPath or [ ]);
        in
        if given == null && !hermetic && fromSearchPath then pkgsOfGiven where (b.findFile (b.nixPath or [ ]) "nixpkgs")
        else if given == null then null
        else if !hermetic && !(b.isAttrs given && (given._type or null) == "flake") then pkgsOfGiven where given
        else if b.isFunction given then refused "a Nixpkgs function"
        else if b.isPath given || b.isString given then refused "a path to Nixpkgs"
        else if b.isAttrs given && (given._type or null) == "flake" then refused "an uninitialized Nixpkgs input"
        else if b.isAttrs given then given
        else throwAt "${where} must be a Nixpkgs package set (import nixpkgs { ... }), not a ${b.typeOf given}";
      # Outside a flake, as colmena's mkNixpkgs: a path is imported, a
      # function called with no overlays.
      pkgsOfGiven = where: given:
        if b.isPath given || b.isString given || (b.isAttrs given && given ? outPath && !(given ? lib)) then pkgsOfGiven where (import given)
        else if b.isFunction given then given { overlays = [ ]; }
        else if b.isAttrs given then given
        else throw "${where} must be a path to Nixpkgs, a Nixpkgs function or a package set, not a ${b.typeOf given}";
      pkgsModule = npkgs: { lib, ... }: {
        nixpkgs.overlays = lib.mkBefore (npkgs.overlays or [ ]);
        nixpkgs.config = lib.mkBefore (npkgs.config or { });
      };
      # A package set of a nixpkgs with nixos/ is evaluated by that
      # nixpkgs' own NixOS (its eval-config.nix), as colmena does.
      evalConfigOf = npkgs:
        let
          path = if npkgs == null then null else npkgs.path or null;
          file = if b.isPath path || b.isString path then path + "/nixos/lib/eval-config.nix" else null;
        in
        if file != null && b.pathExists file then file else null;
      evalNode = n:
        let
          npkgs = pkgsOf n;
          evalConfig = evalConfigOf npkgs;
          libOnly = if b.isAttrs npkgs then libOnlyOf npkgs else null;
          # As colmena: the hive's specialArgs over `name` and `nodes`.
          specialArgs = { name = n; inherit nodes; } // (meta.specialArgs or { }) // ((meta.nodeSpecialArgs or { }).${n} or { });
        in
        if evalConfig != null then
          import evalConfig {
            system = npkgs.system or null;
            inherit specialArgs;
            modules = [ (pkgsModule npkgs) colmenaModule ] ++ lib0.optional (hive ? defaults) hive.defaults ++ [ hive.${n} ];
          } // { _type = "configuration"; class = "nixos"; }
        else
        # A lib-only nixpkgs' package set: its real lib evaluates nixplan's
        # NixOS declarations, as that input's `lib.nixosSystem` would.
        (if libOnly != null then libOnlySystem libOnly npkgs.path npkgs.lib else nixosSystem) {
          system = if npkgs == null then null else npkgs.stdenv.hostPlatform.system or npkgs.system or null;
          inherit specialArgs;
          extraModules = [ colmenaModule ] ++ lib0.optional (npkgs != null) (pkgsModule npkgs) ++ lib0.optional (hive ? defaults) hive.defaults;
          modules = [ hive.${n} ];
        };
    in
    if hive ? ${name} && name != "meta" && name != "defaults" then evalNode name
    else throw "the hive has no node '${name}' (nodes: ${b.concatStringsSep ", " nodeNames})";

  moduleConfig = module: nixosSystem { modules = [ module ]; };

  # A directory with colmena's hive.nix and no flake.nix.
  isHiveDir = dir: !(b.pathExists (dir + "/flake.nix")) && b.pathExists (dir + "/hive.nix");
  hiveOf = dir: let h = import (dir + "/hive.nix"); in if b.isFunction h then h { } else h;
  hiveNames = hive: b.filter (n: n != "meta" && n != "defaults" && n != "__nixplanHive") (b.attrNames hive);


  # The inputs `--override-input` gives a plain module file (disko,
  # impermanence, nixpkgs), each as its flake's outputs. The flakes are
  # called without inputs of their own: only what does not need them (their
  # nixosModules, nixpkgs' lib) is used.
  fileInputs = base:
    let
      asked = hostCall "overrides" { };
      names = if b.isList asked then asked else [ ];
      outputsOf = name:
        let
          src = hostCall "input" { node = null; path = name; inherit base; };
          root = if src.dir or null != null then src.path + "/" + src.dir else src.path;
          flake = import (root + "/flake.nix");
          missing = input: throw "the ${name} given by --override-input needs its input '${input}', which a module file cannot give: plan a flake (PATH#NAME) instead";
          self = flake.outputs (b.mapAttrs (input: _: missing input) (b.functionArgs flake.outputs) // { inherit self; }) // { outPath = root; };
        in
        if src ? error then throw src.error
        else if src.path == null then throw "--override-input ${name}: ${src.reason or "unavailable"}"
        else if b.pathExists (root + "/flake.nix") then self
        else throw "--override-input ${name}: '${root}' has no flake.nix";
    in
    lib0.genAttrs names outputsOf;

  # NixOS by a lib-only nixpkgs (input `path`, its package set's path
  # `pkgsPath`): nixplan's NixOS declarations evaluated by its real lib.
  libOnlySystem = path: pkgsPath: evalLib: degraded path "lib-only" null (nixosSystemOf {
    inherit evalLib pkgsPath;
    baseModules = [ ./nixos.nix { _module.check = false; } ];
    namespaced = true;
  });

  # The package set of a lib-only nixpkgs (`import nixpkgs { }` on one):
  # its input's label, else null.
  libOnlyOf = npkgs:
    let
      p = npkgs.path or null;
      m = if b.isPath p || b.isString p then b.match "/nixplan/pkgs-path/n[0-9a-f]{16}-(.+)" (b.toString p) else null;
    in
    if m == null then null else b.replaceStrings [ "%2F" "%25" ] [ "/" "%" ] (b.head m);

  # A module file evaluated with given inputs: the real disko and
  # impermanence modules where given (else nixplan's stand-ins), by the
  # given nixpkgs' lib, else by nixplan's own.
  fileConfigWith = given: module:
    let
      moduleOf = name:
        if given ? ${name} then given.${name}.nixosModules.${name} or given.${name}.nixosModules.default
        else standIns.${name}.nixosModules.${name};
      inputModules = [ (moduleOf "disko") (moduleOf "impermanence") ];
      realLib = given.nixpkgs.lib or null;
    in
    if realLib == null then
      nixosSystemWith lib0 ([ ./nixos.nix ] ++ inputModules) { modules = [ module ]; }
    else
      nixosSystemOf {
        evalLib = realLib;
        baseModules = [ ./nixos.nix { _module.check = false; } ] ++ inputModules;
        namespaced = true;
        pkgsPath = /nixplan;
      } { modules = [ module ]; };
  # Where the user wrote what the module system merged. nixpkgs' module
  # system keeps no places in its `config` (nix's neither), so everything
  # planning reads of a configuration evaluated by the real lib would be
  # said at the flake's first line. Each set of the configuration is given,
  # per name, the place of the definition that writes the name and wins
  # (the lowest mkOverride priority, the first of equals): through the
  # options down to an option's own definitions
  # (`definitionsWithLocations`: the modules' sets, conditions decided) and
  # down through those sets (mkIf whose condition holds, mkMerge,
  # mkOverride, mkOrder, mkDefinition; a definition written as a function
  # or a file has no places below it). An option itself (a leaf such as
  # `users.mutableUsers`) is placed at its first standing definition
  # outside nixplan: its line where nixplan's lib kept one, else its file.
  # A name that has a place (nixplan's own module system gives the first
  # definition met) keeps it, unless a losing or false definition's is,
  # or one in nixplan's own files (a stand-in's) where a definition of
  # the user's stands beside it (an option: in a file of the user's; a
  # name below: at a position in one) and the stand-in adds no elements
  # to a list (the user's line would claim them); a default has none
  # (`false`: where the only definitions written are false mkIfs, their
  # lines are not said). A place that cannot be computed is left out.
  # Lazy: a set is annotated when it is read, and a name's place is
  # computed only when the planner asks for it (`__nixplanPlaceLazily`: a
  # place can force the definitions of an option the planner never reads).
  # Not under real nix (`--eval nix`).
  placed = e:
    if !(b ? __nixplanPlaceLazily) || !(b.isAttrs e) || !(e ? options) || !(e ? config) then e
    else e // { config = placesIn e.options e.config; };
  isPlainSet = v: b.isAttrs v && !(v ? _type) && !(v ? outPath);
  # A place in nixplan's own files (its stand-ins' definitions).
  internal = p: b.substring 0 9 p.file == "/nixplan/";
  placesIn = opts: v:
    if !(isPlainSet v) || !(b.isAttrs opts) then v
    else
      let
        optionAt = n: let o = opts.${n} or null; in if b.isAttrs o && (o._type or null) == "option" then o else null;
        # An option's own place, where nothing finer is known: the file of
        # its first definition (nixpkgs' module system keeps files only).
        # nixplan's own module system keeps a definition's line too (`pos`,
        # not a library's: `rank` below 0).
        fileOf = n:
          let
            o = optionAt n;
            defs = if o == null then [ ] else b.filter (d: b.substring 0 1 d.file == "/" && !(internal d)) (o.definitionsWithLocations or [ ]);
            d = b.head defs;
          in
          if defs == [ ] then null
          else if (d.pos or null) != null && (d.rank or 0) >= 0 && !(internal d.pos) then d.pos
          else { file = d.file; line = 1; column = 1; };
      in
      b.__nixplanPlaceLazily
        (b.mapAttrs (n: c:
          let o = opts.${n} or null; in
          if !(b.isAttrs o) then c
          # Only the default: no place of the user's. A list is placed
          # only as listOf merges it, where no `apply` changed it.
          else if optionAt n != null then
            (if (o.highestPrio or 100) == 1500 then c
            else if b.isList c && !(b.elem (o.type.name or null) [ "listOf" "nonEmptyListOf" ] && (o.apply or null) == null) then c
            else placesBy (map (d: d.value) (o.definitionsWithLocations or [ ])) c)
          else placesIn o c) v)
        # An option's own place (nixplan's module system gives the first
        # definition met) is kept where a definition that stands is in its
        # file (not a false mkIf's or a losing override's) and that file
        # is not nixplan's own: a stand-in's definition met first (disko's
        # grub devices) gives way to the user's that stands beside it,
        # unless it adds elements to a list (disko's GRUB device: the
        # user's line would be said of it).
        (b.mapAttrs (n: _:
          let
            own = b.unsafeGetAttrPos n v;
            o = optionAt n;
            stands = o == null || b.any (d: d.file == own.file) (o.definitionsWithLocations or [ ]);
            users = fileOf n;
            adds = b.isList v.${n} && b.any (d: d.file == own.file && d.value != [ ]) (o.definitionsWithLocations or [ ]);
          in
          if own != null && stands && (!(internal own) || adds) then own
          else if users != null then users
          # Where only the default stands (the user's definitions are
          # false mkIfs: every standing definition is in a file that
          # declares the option, as both libs add the default), no place
          # (`false`); else the name keeps its own (`null`: a user's
          # mkOptionDefault in an inline module, whose file is none).
          else if own != null && o != null && (o.highestPrio or 100) == 1500
            && b.all (d: b.elem d.file (o.declarations or [ ])) (o.definitionsWithLocations or [ ]) then false
          else null) v);
  # Which definition of a name wins is decided level by level, as
  # nixpkgs' module system decides it (dischargeProperties, then
  # filterOverrides): a name's values at one level are split into parts
  # (a mkMerge's parts, a mkIf's content where its condition holds, a
  # mkDefinition's value), each stopping at its outermost mkOverride,
  # whose priority it has and whose content is not read (100 for an
  # mkOrder or a plain value). The parts of the lowest priority win; the
  # others are dropped with all they hold, and only the winners' contents
  # are read below. (A namespace inside a submodule is treated as such a
  # level too, where nixpkgs pushes an override down to the options below
  # it instead: an override there may be placed wrongly, one written
  # there and one pushed down from the level above (setsOf) alike:
  # `mkForce (mkDefault { ns.a = "A"; })` beside `mkForce { ns.a =
  # mkOverride 1200 "B"; }` competes at `ns`, where nixpkgs has the
  # first win at `a`. Doing it right needs the submodule's options.)
  partsOf = set: v:
    let t = if b.isAttrs v then v._type or null else null; in
    if t == "merge" then lib0.concatMap (partsOf set) v.contents
    else if t == "if" then (if v.condition then partsOf set v.content else [ ])
    else if t == "definition" then partsOf set v.value
    else if t == "override" then [ { inherit set; prio = v.priority; value = v.content; } ]
    else [ { inherit set; prio = 100; value = v; } ];
  # The winning parts of `parts`: those of the lowest priority, sorted
  # (stably) by mkOrder's priority, 1000 without one, as nixpkgs sorts a
  # level's definitions (sortProperties) before merging them.
  bestParts = parts:
    let
      best = b.foldl' (w: p: if w == null || p.prio < w then p.prio else w) null parts;
      orderOf = p: if b.isAttrs p.value && (p.value._type or null) == "order" then p.value.priority else 1000;
    in
    # One part (a name most levels write once) wins as it is.
    if b.length parts < 2 then parts
    else b.sort (x: y: orderOf x < orderOf y) (b.filter (p: p.prio == best) parts);
  # The plain sets of a value that won its level (read now, as the module
  # system reads it): its mkMerge's parts, a mkIf's content where the
  # condition holds; what an order holds. An override left in a winning
  # value (`mkForce (mkDefault { … })`: its level stripped the outer one)
  # competes at the next level, as nixpkgs pushes it down
  # (pushDownProperties): its priority goes to each name of its sets,
  # whose places stay (nixplan's mapAttrs). A definition nixplan cannot
  # look into (a function or a file: a module) is `null`: nothing below a
  # level that has one is placed.
  setsOf = v:
    let t = if b.isAttrs v then v._type or null else null; in
    if t == "merge" then lib0.concatMap setsOf v.contents
    else if t == "if" then (if v.condition then setsOf v.content else [ ])
    else if t == "override" then
      map (s: if s == null then null else b.mapAttrs (_: content: { _type = "override"; inherit (v) priority; inherit content; }) s) (setsOf v.content)
    else if t == "order" then setsOf v.content
    else if t == "definition" then setsOf v.value
    else if b.isAttrs v && t == null then [ v ]
    else if b.isFunction v || b.isPath v then [ null ]
    else [ ];
  # `values`: the definitions that won this level (an option's
  # `definitionsWithLocations`, which nixpkgs filtered already). A name's
  # place is where the first of its winning parts writes it.
  placesBy = values: v:
    let sets = lib0.concatMap setsOf values; in
    if b.isList v then placesInList values v
    else if !(isPlainSet v) || b.elem null sets then v
    else
      let
        # The sets of this level that write each name.
        writers = b.mapAttrs (n: _: b.filter (set: set ? ${n}) sets) v;
        # Each name's winning parts, decided once for its place and for
        # the level below it.
        winners = b.mapAttrs (n: _: bestParts (lib0.concatMap (set: partsOf set set.${n}) writers.${n})) v;
        # The place a name has already (nixplan's own module system gives
        # the first definition met, whatever its priority or condition) is
        # kept unless it is where a definition of this level writes the
        # name and no winning part does (lost), or in nixplan's own files
        # (below).
        placeOf = n:
          let
            own = b.unsafeGetAttrPos n v;
            w = winners.${n};
            at = p: b.unsafeGetAttrPos n p.set;
            ws = writers.${n};
            # Every set that writes the name (a false mkIf's too, which
            # nixplan's module system places by and `parts` leaves out).
            # Where one set writes it, every winner is there: nothing is
            # lost.
            lost = own != null && b.length ws > 1 && w != [ ] && b.any (s: b.unsafeGetAttrPos n s == own) ws && !(b.any (p: at p == own) w);
            # A place in nixplan's own files, or none, or a lost one,
            # gives way to the first winning part written at a position
            # in the user's files (a part that wins at this level; what
            # it holds may lose below), unless a winning part of nixplan's
            # adds elements to a list (the user's line would be said of
            # them).
            users = if b.any (s: let a = b.unsafeGetAttrPos n s; in a != null && !(internal a)) ws
              then b.filter (p: let a = at p; in a != null && !(internal a)) w
              else [ ];
            adds = b.isList v.${n} && b.any (p: let a = at p; in a != null && internal a && p.value != [ ]) w;
            # Written here, and none of its parts wins (false mkIfs,
            # empty mkMerges): its value is a default's, which has no
            # place (`false`).
            none = own != null && w == [ ] && b.any (s: b.unsafeGetAttrPos n s == own) ws;
          in
          if none then false
          else if own != null && !lost && (!(internal own) || adds) then own
          else if users != [ ] then at (b.head users)
          else if own != null && !lost then own
          else if w == [ ] then null
          else at (b.head w);
      in
      b.__nixplanPlaceLazily
        (b.mapAttrs (n: c: placesBy (map (p: p.value) winners.${n}) c) v)
        (b.mapAttrs (n: _: placeOf n) v);

  # A list merged from the winners' lists (listOf: their elements in
  # order, sorted by mkOrder's priority, 1000 without one, stably, an
  # element whose mkIf is false left out): each set element is placed by
  # the element it was merged from. Where the merged list is not that
  # (another type, or an `apply`), by its length or by an element with a
  # name its source does not write, nothing in it is placed.
  listsOf = order: v:
    let t = if b.isAttrs v then v._type or null else null; in
    if t == "merge" then lib0.concatMap (listsOf order) v.contents
    else if t == "if" then (if v.condition then listsOf order v.content else [ ])
    else if t == "order" then listsOf (if order == null then v.priority else order) v.content
    else if t == "override" then listsOf order v.content
    else if t == "definition" then listsOf order v.value
    else if b.isList v then [ { order = if order == null then 1000 else order; list = v; } ]
    else [ null ];
  placesInList = values: v:
    let
      lists = lib0.concatMap (listsOf null) values;
      sorted = b.sort (x: y: x.order < y.order) lists;
      # Each element is merged on its own (its mkMerge split, its mkIf
      # decided, its overrides filtered): its winning parts' values.
      elems = b.filter (e: e != [ ]) (map (e: map (p: p.value) (bestParts (partsOf null e))) (lib0.concatMap (p: p.list) sorted));
      n = b.length v;
      # An element is placed when it is read, if every name its source
      # writes (in a part that is not a false mkIf) is in it.
      fits = x: src:
        !(isPlainSet x) || b.all (set: set != null && b.all (k: !(isPlainSet x) || x ? ${k} || partsOf null set.${k} == [ ]) (b.attrNames set)) (lib0.concatMap setsOf src);
      at = i: let x = b.elemAt v i; src = b.elemAt elems i; in if fits x src then placesBy src x else x;
    in
    if b.elem null lists || b.length elems != n then v
    else b.genList at n;

  # The target NAME of an evaluated flake (nixplan's loading, or real nix's
  # `builtins.getFlake` for `--eval nix`).
  targetOf = flake: dir: name:
    # `toplevel`: the flake attribute `nix build` builds the system from
    # (a raw `colmena` output has none: colmena itself needs makeHive).
    if (flake.nixosConfigurations or { }) ? ${name} then { kind = "nixosConfiguration"; eval = placed flake.nixosConfigurations.${name}; toplevel = "nixosConfigurations.${name}.config.system.build.toplevel"; }
    else if (flake.colmenaHive or { }) ? ${name} || ((flake.colmenaHive or { }).nodes or { }) ? ${name} then
      { kind = "colmenaNode"; eval = placed (hiveNode (flake.colmenaHive.nodes or flake.colmenaHive) name); toplevel = "colmenaHive.toplevel.${name}"; }
    else if (flake.colmena or { }) ? ${name} then { kind = "colmenaNode"; eval = placed (hiveNode flake.colmena name); }
    else if (flake.diskoConfigurations or { }) ? ${name} then { kind = "diskoConfiguration"; eval = placed (moduleConfig flake.diskoConfigurations.${name}); }
    else
      let
        available =
          map (n: "nixosConfigurations.${n}") (b.attrNames (flake.nixosConfigurations or { }))
          ++ map (n: "colmena node ${n}") (hiveNames ((flake.colmenaHive or { }).nodes or flake.colmenaHive or flake.colmena or { }))
          ++ map (n: "diskoConfigurations.${n}") (b.attrNames (flake.diskoConfigurations or { }));
      in
      # Said at the flake's own file (its outputs, read from its store
      # path), not at nixplan's.
      (b.__nixplanThrowAt or (_: throw)) { file = "${flake.outPath or dir}/flake.nix"; line = 1; column = 1; } "flake '${dir}' has no nixosConfigurations.${name}, colmena node '${name}' or diskoConfigurations.${name}; ${if available == [ ] then "it has no target at all" else "it has: ${b.concatStringsSep ", " available}"}";

in
{
  inherit lib nixosSystem loadFlake loadGotFlake readLock hiveNode moduleConfig standIns targetOf;

  # A flake target: nixosConfigurations.NAME, a colmena node NAME, or
  # diskoConfigurations.NAME.
  flakeTarget = dir: name:
    if isHiveDir dir then
      let hive = hiveOf dir; in
      if hive ? ${name} && name != "meta" && name != "defaults" then { kind = "colmenaNode"; eval = placed (hiveNodeWith false hive name); }
      else (b.__nixplanThrowAt or (_: throw)) { file = dir + "/hive.nix"; line = 1; column = 1; } "the hive '${dir}/hive.nix' has no node '${name}' (nodes: ${b.concatStringsSep ", " (hiveNames hive)})"
    else targetOf (loadFlake dir) dir name;


  # The names a flake deploys to: its colmena hive's nodes, else its
  # nixosConfigurations; and whether the hive lets a deploy take them all
  # (colmena's meta.allowApplyAll).
  flakeNodes = dir:
    if isHiveDir dir then
      let hive = hiveOf dir; in
      { names = hiveNames hive; allowApplyAll = (hive.meta or { }).allowApplyAll or true; }
    else
    let
      flake = loadFlake dir;
      hive = (flake.colmenaHive or { }).nodes or flake.colmenaHive or flake.colmena or null;
    in
    if hive != null then {
      names = hiveNames hive;
      allowApplyAll = (hive.meta or { }).allowApplyAll or true;
    }
    else { names = b.attrNames (flake.nixosConfigurations or { }); allowApplyAll = true; };

  # A plain module file (an attribute set or a function).
  # Function arguments with a default that the module system would not
  # provide keep the file's own default, as disko's command line does.
  fileTarget = path:
    let
      m = import path;
      standard = [ "config" "options" "lib" "pkgs" "modulesPath" "name" "nodes" ];
      kept = lib0.filterAttrs (n: hasDefault: !hasDefault || b.elem n standard) (lib0.functionArgs m);
      wrapped = if lib0.isFunction m then lib0.setFunctionArgs (args: m (b.intersectAttrs kept args)) kept else m;
      module = { _file = b.toString path; key = b.toString path; imports = [ wrapped ]; };
      given = fileInputs (b.dirOf (b.toString path));
      # nixplan's own module system places a name at the first
      # definition met; `placed` moves it to the winning one's.
    in { kind = "module"; eval = placed (if given == { } then moduleConfig module else fileConfigWith given module); };
}
