# The order in which evalModules merges the modules it collects: the listed
# modules, then what they import level by level, each key once, the last
# one's definitions first in a list; a disabled module drops what only it
# imports. Declarations and definition files come in that order too.
{ lib }:
let
  listOpt = { options.x = lib.mkOption { type = lib.types.listOf lib.types.str; }; };
  xs = ms: (lib.evalModules { modules = [ listOpt ] ++ ms; }).config.x;
  tree = lib.evalModules {
    modules = [
      { _file = "m1"; options.x = lib.mkOption { type = lib.types.listOf lib.types.str; };
        imports = [ { _file = "m1i"; options.y = lib.mkOption { default = [ 1 ]; type = lib.types.listOf lib.types.int; }; config.y = [ 3 ]; } ];
        config.x = [ "a" ]; }
      { _file = "m2"; options.x = lib.mkOption { }; config.x = [ "b" ]; config.y = [ 2 ]; }
      { _file = "m3"; x = [ "c" ]; disabledModules = [ { key = "k"; } ]; }
      { key = "k"; _file = "m4"; x = [ "d" ]; imports = [ { _file = "m4i"; x = [ "e" ]; } ]; }
      { _file = "m5"; imports = [ { key = "k2"; _file = "m5i"; x = [ "f" ]; } ]; }
      { _file = "m6"; imports = [ { key = "k2"; _file = "m6i"; x = [ "g" ]; } ]; }
    ];
  };
in
{
  moduleOrderNested = xs [ { x = [ "a" ]; imports = [ { x = [ "a1" ]; imports = [ { x = [ "a11" ]; } ]; } { x = [ "a2" ]; } ]; } { x = [ "b" ]; } ];
  moduleOrderPriorities = xs [ { x = [ "a" ]; } { x = lib.mkBefore [ "b" ]; } { x = [ "c" ]; } { x = lib.mkAfter [ "d" ]; } ];
  moduleOrderImportsOnly = xs [ { imports = [ { x = [ "i1" ]; } ]; } { x = [ "b" ]; imports = [ { x = [ "i2" ]; } { x = [ "i3" ]; } ]; } ];
  moduleOrderMerge = xs [ { x = lib.mkMerge [ [ "m1" ] [ "m2" ] ]; } { x = [ "b" ]; } ];
  moduleOrderFunctions = xs [ ({ ... }: { x = [ "f" ]; }) { config.x = [ "g" ]; } ];
  # lib.strings.replicate (a string) beside the top level's (a list).
  replicated = [ (lib.strings.replicate 3 "ab") (lib.replicate 2 1) (lib.lists.replicate 2 "x") ];
  # A type of a module's own gets definitions as nixpkgs gives them: a
  # merge that destructures `{ value, file }` (disko's subType does).
  ownTypeDefinitions =
    let
      own = lib.mkOptionType { name = "own"; merge = loc: map ({ value, file }: value); };
    in
    (lib.evalModules { modules = [ { options.o = lib.mkOption { type = own; }; } { o = 1; } { o = 2; } ]; }).config.o;
  # The result's config has no `_module` (the modules see it), also in a
  # submodule that defines `_module.args`.
  configWithoutModule =
    let
      e = lib.evalModules {
        modules = [
          { options.n = lib.mkOption { default = 1; }; options.s = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { config._module.args.x = 1; options.m = lib.mkOption { default = 2; }; }); }; }
          ({ config, ... }: { _module.args.y = 3; s.a = { }; n = config._module.args.y; })
        ];
      };
    in
    e.config;
  # Two declarations of one option whose types merge (attrsOf or listOf
  # of submodules): one type, with both modules.
  mergedDeclarations =
    let
      sub = o: lib.types.submodule { options.${o} = lib.mkOption { default = o; }; };
      e = lib.evalModules {
        modules = [
          { options.u = lib.mkOption { type = lib.types.attrsOf (sub "a"); }; options.l = lib.mkOption { type = lib.types.listOf (sub "c"); }; }
          { options.u = lib.mkOption { type = lib.types.attrsOf (sub "b"); }; options.l = lib.mkOption { type = lib.types.listOf (sub "d"); }; }
          { u.x = { }; l = [ { } ]; }
        ];
      };
    in
    e.config;
  # Two declarations that both give a default, a description, an example
  # or an apply are refused; others merge.
  clashingDeclarations =
    let
      with' = a: b': (builtins.tryEval (lib.evalModules {
        modules = [ { options.x = lib.mkOption a; } { options.x = lib.mkOption b'; } { x = 1; } ];
      }).config.x).success;
    in
    {
      defaults = with' { default = 1; } { default = 2; };
      descriptions = with' { description = "a"; } { description = "b"; };
      examples = with' { example = 1; } { example = 2; };
      applies = with' { apply = x: x; } { apply = x: x; };
      oneDefault = with' { default = 1; } { type = lib.types.int; };
      types = with' { type = lib.types.int; } { type = lib.types.int; };
    };
  # The module arguments nixpkgs gives in `_module.args`; a name only in
  # a submodule; `extendModules` keeps the modules it extends.
  moduleArgs =
    let
      e = lib.evalModules {
        modules = [
          ({ config, ... }: { options.a = lib.mkOption { default = builtins.attrNames config._module.args; }; })
          { options.b = lib.mkOption { default = 1; }; }
        ];
        specialArgs.name = "top";
      };
      extended = e.extendModules { modules = [ { b = 2; } ]; };
    in
    {
      inherit (e.config) a;
      extendedB = extended.config.b;
      extendedA = extended.config.a;
      typeName = e._module.args.moduleType.name or null;
    };
  # Three declarations, the second and third clashing.
  clashingThird = (builtins.tryEval (lib.evalModules {
    modules = [
      { options.x = lib.mkOption { type = lib.types.int; }; }
      { options.x = lib.mkOption { default = 1; }; }
      { options.x = lib.mkOption { default = 2; }; }
    ];
  }).config.x).success;
  # A submodule's name is also `config._module.args.name`.
  submoduleArgsName =
    (lib.evalModules {
      modules = [
        { options.s = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule ({ config, ... }: { options.n = lib.mkOption { default = config._module.args.name; }; })); }; }
        { s.foo = { }; s.bar.n = "own"; }
      ];
    }).config.s;
  # A submodule's options read without a definition (documentation,
  # nixplan's lint): its name is `‹name›`, as an argument and in
  # `config._module.args`.
  subOptionsName =
    let
      t = lib.types.submodule ({ name, config, ... }: {
        options.n = lib.mkOption { default = name; };
        options.m = lib.mkOption { default = config._module.args.name; };
      });
      o = t.getSubOptions [ "x" ];
    in
    { n = o.n.default; m = o.m.default; loc = o.n.loc; };
  # A submodule's own evaluation extended: its name and definitions kept.
  submoduleExtended =
    (lib.evalModules {
      modules = [
        { options.s = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule ({ name, extendModules, ... }: {
            options.n = lib.mkOption { default = name; };
            options.v = lib.mkOption { type = lib.types.int; default = 1; };
            options.ext = lib.mkOption { default = let e = extendModules { modules = [ { v = lib.mkForce 3; } ]; }; in { inherit (e.config) n v; name = e._module.args.name; }; };
          })); }; }
        { s.foo.v = 2; }
      ];
    }).config.s.foo.ext;
  # specialArgs' `name` wins over the submodule's own (nixpkgs gives
  # `name` through `_module.args`, below specialArgs).
  submoduleSpecialName =
    let t = lib.types.submoduleWith { specialArgs.name = "special"; modules = [ ({ name, ... }: { options.n = lib.mkOption { default = name; }; }) ]; }; in
    (lib.evalModules { modules = [ { options.s = lib.mkOption { type = lib.types.attrsOf t; }; } { s.foo = { }; } ]; }).config.s.foo.n;
  # A submodule's module may force its own name (Home Manager's
  # specialisations do): the `name` argument is `_module.args.name`.
  submoduleForcedName =
    let t = lib.types.submodule ({ name, ... }: { config._module.args.name = lib.mkForce "forced"; options.n = lib.mkOption { default = name; }; }); in
    (lib.evalModules { modules = [ { options.s = lib.mkOption { type = lib.types.attrsOf t; }; } { s.a = { }; } ]; }).config.s.a.n;
  # A submodule merged at no location: its name is never read.
  submoduleNoLoc = ((lib.types.submodule { options.a = lib.mkOption { default = 1; }; }).merge [ ] [ { file = "f"; value = { }; } ]).a;
  # `‹name›` is only a default where a submodule's options are read.
  subOptionsOwnName =
    let t = lib.types.submodule ({ config, ... }: { config._module.args.name = "mine"; options.m = lib.mkOption { default = config._module.args.name; }; }); in
    (t.getSubOptions [ "x" ]).m.default;
  # Three declarations, the last two types clashing.
  clashingTypes = (builtins.tryEval (lib.evalModules {
    modules = [
      { options.x = lib.mkOption { type = lib.types.str; }; }
      { options.x = lib.mkOption { type = lib.types.str; }; }
      { options.x = lib.mkOption { type = lib.types.int; }; }
      { x = "s"; }
    ];
  }).config.x).success;
  moduleOrderTree = {
    declarations = tree.options.x.declarations;
    files = tree.options.x.files;
    definitionFiles = map (d: d.file) tree.options.x.definitionsWithLocations;
    inherit (tree.config) x y;
    yFiles = tree.options.y.files;
  };
}
