# Still more of nixpkgs' lib for nixplan's stand-in: the machinery of
# package sets. Scopes whose members are called with each other
# (makeScope and its cross-compiling variants), package functions that
# return several packages (callPackagesWith), decorating, re-making,
# trimming and lazily wrapping derivations, turning a store path into a
# derivation-like set, and building a scope from a directory tree of
# package files. Written for nixplan from nixpkgs' documentation of each
# function and from probing the real lib; the results are checked against
# the real lib by tests/upstream/lib-cases-g.nix.
#
# Where each attribute belongs in nixpkgs' lib:
#   callPackagesWith          -> lib.callPackagesWith and lib.customisation.*
#   extendDerivation          -> lib.extendDerivation and lib.customisation.*
#   extendMkDerivation        -> lib.extendMkDerivation and lib.customisation.*
#   hydraJob                  -> lib.hydraJob and lib.customisation.*
#   makeScope                 -> lib.makeScope and lib.customisation.*
#   makeScopeWithSplicing     -> lib.makeScopeWithSplicing and lib.customisation.*
#   makeScopeWithSplicing'    -> lib.makeScopeWithSplicing' and lib.customisation.*
#   mapCrossIndex             -> lib.mapCrossIndex and lib.customisation.*
#   renameCrossIndexFrom      -> lib.renameCrossIndexFrom and lib.customisation.*
#   renameCrossIndexTo        -> lib.renameCrossIndexTo and lib.customisation.*
#   overrideDerivation        -> lib.overrideDerivation and lib.customisation.*
#   customisation             -> lib.customisation (the whole namespace: the
#                                eleven above plus the stand-in's existing
#                                callPackageWith and makeOverridable)
#   lazyDerivation            -> lib.lazyDerivation and lib.derivations.lazyDerivation
#   toDerivation              -> lib.toDerivation and lib.attrsets.toDerivation
#   packagesFromDirectoryRecursive
#                             -> lib.packagesFromDirectoryRecursive and
#                                lib.filesystem.packagesFromDirectoryRecursive
lib:
let
  b = builtins;

  # Attributes that exist only when a condition holds.
  when = cond: attrs: if cond then attrs else { };

  # A value that can only be had once `ok` is true (an assertion failure,
  # catchable by tryEval, otherwise).
  guarded = ok: value: assert ok; value;

  # ---- package functions returning several packages ---------------------

  # Call `fn` (a function or a file holding one) with what it asks for from
  # `autoArgs`, overridden by `args`, and make each attribute of the set
  # it returns separately overridable: overriding one attribute re-calls
  # the function and picks that attribute out of the new result.
  callPackagesWith = autoArgs: fn: args:
    let
      fun = if lib.isFunction fn then fn else import fn;
      callArgs = b.intersectAttrs (lib.functionArgs fun) autoArgs // args;
      produced = fun callArgs;
      pickOut = name: lib.makeOverridable (lib.mirrorFunctionArgs fun (given: (fun given).${name})) callArgs;
    in
    if lib.isDerivation produced then
      throw ("function `callPackages` was called on a *single* derivation "
        + "\"${produced.name or "<unknown-name>"}\";"
        + " did you mean to use `callPackage` instead?")
    else
      b.mapAttrs (name: _: pickOut name) produced;

  # ---- decorating and re-making derivations -----------------------------

  # `drv` plus `passthru` on the whole and on each of its outputs; the
  # store paths of all of them are only available while `condition` holds.
  extendDerivation = condition: passthru: drv:
    let
      names = drv.outputs or [ "out" ];
      perOutput = b.listToAttrs (map (name: { inherit name; value = outputView name; }) names);
      whole = drv // perOutput // { all = map (name: perOutput.${name}) names; } // passthru // {
        drvPath = guarded condition drv.drvPath;
        outPath = guarded condition drv.outPath;
      };
      outputView = name:
        let single = drv.${name}; in
        whole // {
          inherit (single) type outputName;
          outputSpecified = true;
          drvPath = guarded condition single.drvPath;
          outPath = guarded condition single.outPath;
        } // when (passthru ? overrideAttrs) {
          overrideAttrs = change: (passthru.overrideAttrs change).${name};
        };
    in
    whole;

  # A new `derivation` from the attributes `drv` was made of, updated by
  # `change drv`; meta and passthru carry over. The new one can only be
  # used when the old one evaluates.
  overrideDerivation = drv: change:
    let
      remade = derivation (drv.drvAttrs // change drv);
      carried = { meta = drv.meta or { }; passthru = drv.passthru or { }; }
        // (drv.passthru or { })
        // when (drv ? __spliced) {
          __spliced = b.mapAttrs (_: variant: overrideDerivation variant change) drv.__spliced;
        };
    in
    extendDerivation (b.seq drv.drvPath true) carried remade;

  # Only what hydra-eval-jobs reads of a derivation, fully evaluated.
  hydraJob = drv:
    if drv == null then null
    else
      let
        names = drv.outputs or [ "out" ];
        shared = { inherit (drv) name system meta; outputs = names; }
          // when (drv._hydraAggregate or false) {
            _hydraAggregate = true;
            constituents = map hydraJob (lib.flatten drv.constituents);
          }
          // views;
        views = b.listToAttrs (map (name: {
          inherit name;
          value = shared // {
            inherit (drv.${name}) outPath drvPath;
            type = "derivation";
            outputName = name;
          };
        }) names);
        result = views.${b.head names};
      in
      b.deepSeq result result;

  # A mkDerivation-like builder made from another one, `constructDrv`,
  # keeping the `finalAttrs: { ... }` form working: the caller's
  # arguments (a set, or a function of the final ones) are extended by
  # `extendDrvArgs final previous` before `constructDrv` sees them.
  extendMkDerivation =
    { constructDrv
    , excludeDrvArgNames ? [ ]
    , excludeFunctionArgNames ? [ ]
    , extendDrvArgs
    , inheritFunctionArgs ? true
    , transformDrv ? lib.id
    }:
    let
      inherited = when inheritFunctionArgs (b.removeAttrs (lib.functionArgs constructDrv) excludeDrvArgNames);
      own = lib.functionArgs (extendDrvArgs { });
      layered = userArgs: final:
        let previous = if lib.isFunction userArgs then userArgs final else userArgs; in
        b.removeAttrs previous excludeDrvArgNames // extendDrvArgs final previous;
    in
    {
      inherit constructDrv excludeDrvArgNames extendDrvArgs transformDrv;
      __functionArgs = b.removeAttrs (inherited // own) excludeFunctionArgNames;
      __functor = _: userArgs: transformDrv (constructDrv (layered userArgs));
    };

  # ---- scopes -----------------------------------------------------------

  # A package set whose members may be called with each other. `body`
  # gets the finished set; `mkCall` turns a set of available values into
  # a callPackage.
  makeScope = mkCall: body:
    lib.fix (scope:
      let
        fixedPart = {
          newScope = additions: mkCall (scope // additions);
          overrideScope = overlay: makeScope mkCall (lib.extends overlay body);
          packages = body;
        };
      in
      { callPackage = fixedPart.newScope { }; } // body scope // fixedPart);

  # ---- cross indexes (the six build/host/target pairs) -------------------

  pairs = [ "BuildBuild" "BuildHost" "BuildTarget" "HostHost" "HostTarget" "TargetTarget" ];
  unprefixed = pair: lib.toLower (b.substring 0 1 pair) + b.substring 1 (b.stringLength pair) pair;

  renameCrossIndexFrom = prefix: index:
    b.listToAttrs (map (pair: { name = unprefixed pair; value = index."${prefix}${pair}"; }) pairs);

  renameCrossIndexTo = prefix: index:
    b.listToAttrs (map (pair: { name = "${prefix}${pair}"; value = index.${unprefixed pair}; }) pairs);

  mapCrossIndex = fun:
    { buildBuild, buildHost, buildTarget, hostHost, hostTarget, targetTarget }@index:
    b.mapAttrs (_: fun) index;

  # makeScope for cross compilation: callPackage draws from the set's
  # other stages spliced together (the host-target stage being the set
  # itself), plus `extra` of that splice and `keep` of the set.
  makeScopeWithSplicing' = { splicePackages, newScope }:
    { otherSplices
    , keep ? (_self: { })
    , extra ? (_spliced0: { })
    , f
    }:
    lib.fix (self:
      let
        stages = renameCrossIndexTo "pkgs" (renameCrossIndexFrom "self" otherSplices)
          // { pkgsHostTarget = self; };
        spliced0 = splicePackages stages;
        available = extra spliced0 // spliced0 // keep self;
      in
      f self // {
        newScope = additions: newScope (available // additions);
        callPackage = newScope available;
        overrideScope = overlay:
          makeScopeWithSplicing' { inherit splicePackages newScope; } {
            inherit otherSplices keep extra;
            f = lib.extends overlay f;
          };
        packages = f;
      });

  # The older form taking all six arguments one by one.
  makeScopeWithSplicing = splicePackages: newScope: otherSplices: keep: extra: f:
    makeScopeWithSplicing' { inherit splicePackages newScope; } { inherit otherSplices keep extra f; };

  # ---- lazy wrappers ----------------------------------------------------

  # A derivation-shaped set whose attribute names (and `type`, `meta`
  # when given, `passthru`) are known without evaluating `derivation`.
  lazyDerivation =
    args@{ derivation, meta ? null, passthru ? { }, outputs ? [ "out" ] }:
    let
      where = b.unsafeGetAttrPos "outputs" args;
      declaredAt = if where == null then "" else ",\n    at ${where.file}:${toString where.line}:${toString where.column}";
      definedAt =
        if derivation ? meta.position && b.isString derivation.meta.position
        then ",\n    defined at ${derivation.meta.position}" else "";
      show = lib.generators.toPretty { multiline = false; };
      mismatch = ''
        lib.lazyDerivation: The derivation ${derivation.name or "<unknown>"} has outputs that don't match the assumed outputs.

        Assumed outputs passed to lazyDerivation${declaredAt}:
            ${show outputs};

        Actual outputs of the derivation${definedAt}:
            ${show derivation.outputs}

        If the outputs are known ahead of evaluating the derivation,
        then update the lazyDerivation call to match the actual outputs, in the same order.
        If lazyDerivation is passed a literal value, just change it to the actual outputs.
        As a result it will work as before / as intended.

        Otherwise, when the outputs are dynamic and can't be known ahead of time, it won't
        be possible to add laziness, but lib.lazyDerivation may still be useful for trimming
        the attributes.
        If you want to keep trimming the attributes, make sure that the package is in a
        variable (don't evaluate it twice!) and pass the variable and its outputs attribute
        to lib.lazyDerivation. This largely defeats laziness, but keeps the trimming.
        If none of the above works for you, replace the lib.lazyDerivation call by the
        expression in the derivation argument.
      '';
      real =
        if (derivation.type or null) != "derivation" then throw "lazyDerivation: input must be a derivation."
        else if derivation.outputs != outputs then throw mismatch
        else derivation;
    in
    {
      type = "derivation";
      inherit outputs;
      outPath = real.outPath;
      outputName = real.outputName;
      drvPath = real.drvPath;
      name = real.name;
      system = real.system;
      meta = if args ? meta then args.meta else real.meta;
    }
    // lib.genAttrs outputs (name: real.${name})
    // passthru;

  # A derivation-like set for an existing store path.
  toDerivation = path:
    let
      stored = b.storePath path;
      self = {
        type = "derivation";
        # The base name past the 32-character hash and its dash.
        name = lib.sanitizeDerivationName (b.substring 33 (b.stringLength (b.baseNameOf stored)) (b.baseNameOf stored));
        outPath = stored;
        outputs = [ "out" ];
        out = self;
        outputName = "out";
      };
    in
    self;

  # ---- package sets from a directory tree --------------------------------

  # `directory/package.nix` if there is one; otherwise one attribute per
  # `*.nix` file (called) and per subdirectory (recursed into). Given
  # `newScope`, each directory becomes a scope of its own.
  packagesFromDirectoryRecursive =
    { callPackage
    , newScope ? throw "lib.packagesFromDirectoryRecursive: newScope wasn't passed in args"
    , directory
    }@args:
    let
      entryOf = settings: name: kind:
        let path = settings.directory + "/${name}"; in
        if kind == "directory" then
          { ${name} = packagesFromDirectoryRecursive (settings // { directory = path; }); }
        else if kind == "regular" then
          when (lib.hasSuffix ".nix" name) { ${lib.removeSuffix ".nix" name} = settings.callPackage path { }; }
        else
          throw ''
            lib.filesystem.packagesFromDirectoryRecursive: Unsupported file type ${kind} at path ${toString path}
          '';
      listing = settings: lib.concatMapAttrs (entryOf settings) (b.readDir settings.directory);
      single = directory + "/package.nix";
    in
    if b.pathExists single then callPackage single { }
    else if args ? newScope then
      lib.recurseIntoAttrs (makeScope newScope (scope:
        listing (args // { inherit (scope) callPackage newScope; })))
    else
      listing args;

  customisation = {
    inherit (lib) callPackageWith makeOverridable;
    inherit callPackagesWith extendDerivation extendMkDerivation hydraJob makeScope
      makeScopeWithSplicing makeScopeWithSplicing' mapCrossIndex overrideDerivation
      renameCrossIndexFrom renameCrossIndexTo;
  };
in
{
  inherit customisation callPackagesWith extendDerivation extendMkDerivation hydraJob
    makeScope makeScopeWithSplicing makeScopeWithSplicing' mapCrossIndex overrideDerivation
    renameCrossIndexFrom renameCrossIndexTo lazyDerivation toDerivation
    packagesFromDirectoryRecursive;
}
