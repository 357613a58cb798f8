# snowfall-lib (github:snowfallorg/lib), for when its source is not here:
# nixplan's stand-in, written for nixplan from snowfall-lib's
# documentation and what it is seen to do.
#
# `mkLib { inputs; src; snowfall.namespace ? "internal"; snowfall.root ?
# src; }` is nixpkgs' lib with every input's lib under the input's name
# (those that have one), `lib.snowfall.fs` (`get-file` below `src`),
# `mkFlake`, and the flake's own library — every default.nix below
# SRC/lib, called with { inputs, snowfall-inputs, namespace, lib } —
# merged in. What mkFlake builds (the modules' `lib.<namespace>`, Home
# Manager's, the `lib` output) reads ROOT/lib instead. The flake's own
# `snowfall-lib.mkFlake { inputs; src; ... }` is mkLib then its mkFlake;
# `nixosModules.user` and `homeModules.user` are the two options below.
#
# Its `mkFlake` makes `nixosConfigurations.HOST` of every
# systems/<system>-linux/HOST/default.nix (with nixpkgs' `lib.nixosSystem`),
# with every modules/nixos/**/default.nix, `systems.modules.nixos` and
# `systems.hosts.HOST.modules`; their arguments { inputs, namespace, lib,
# system, target, format, virtual, systems, host } and the channel's
# packages; the `snowfallorg.users` option; and, with a home-manager
# input, Home Manager for each homes/<system>/USER@HOST/default.nix of
# that host, with every modules/home/**/default.nix, `homes.modules`,
# `homes.users."USER@HOST".modules` (and its `specialArgs`),
# `snowfallorg.user` and the same arguments. The flake's own outputs given
# to mkFlake are kept, beside `lib`, `nixosModules` and `homeModules` (the
# modules/ tree, named by directory) and `pkgs.SYSTEM.nixpkgs`. Not made: virtual (iso...) and darwin systems,
# homeConfigurations, packages, overlays, shells, checks, templates and
# `outputs-builder`'s outputs.
let
  b = builtins;
  # The `snowfallorg.users` option of NixOS: each user made (unless
  # `create = false`), an administrator in wheel, with a Home Manager
  # configuration (`home.config`). The old name `snowfallorg.user` is
  # renamed.
  usersModule = { config, lib, ... }: {
    # Imported twice (mkFlake, and `snowfall-lib.nixosModules.user`), once.
    key = "nixplan:snowfall-lib/nixos/user";
    _file = "nixplan:snowfall-lib/nixos/user";
    imports = [ (lib.mkRenamedOptionModule [ "snowfallorg" "user" ] [ "snowfallorg" "users" ]) ];
    options.snowfallorg.users = lib.mkOption {
      default = { };
      type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
        options = {
          create = lib.mkOption { type = lib.types.bool; default = true; };
          admin = lib.mkOption { type = lib.types.bool; default = true; };
          home.enable = lib.mkOption { type = lib.types.bool; default = true; };
          home.path = lib.mkOption { type = lib.types.str; default = "/home/${name}"; };
          home.config = lib.mkOption { type = lib.types.deferredModule; default = { }; };
        };
      }));
    };
    config.users.users = b.mapAttrs
      (name: user: {
        isNormalUser = lib.mkDefault true;
        name = lib.mkDefault name;
        home = lib.mkDefault user.home.path;
        group = lib.mkDefault "users";
        extraGroups = lib.optional user.admin "wheel";
      })
      (lib.filterAttrs (_: u: u.create) config.snowfallorg.users);
  };

  # The `snowfallorg.user` option of Home Manager: the user's name and home
  # directory (NixOS's, where there is one).
  homeUserModule = args @ { config, lib, ... }:
    let
      cfg = config.snowfallorg.user;
      osHome = args.osConfig.users.users.${cfg.name}.home or null;
    in
    {
      key = "nixplan:snowfall-lib/home/user";
      _file = "nixplan:snowfall-lib/home/user";
      options.snowfallorg.user = {
        enable = lib.mkOption { type = lib.types.bool; default = false; };
        name = lib.mkOption { type = lib.types.str; };
        home.directory = lib.mkOption {
          type = lib.types.str;
          default = if osHome != null then osHome else "/home/${cfg.name}";
        };
      };
      config = lib.mkIf cfg.enable {
        home.username = lib.mkDefault cfg.name;
        home.homeDirectory = lib.mkDefault cfg.home.directory;
      };
    };
in
rec {
  nixosModules.user = usersModule;
  homeModules.user = homeUserModule;

  # `snowfall-lib.mkFlake { inputs; src; snowfall; ... }`: mkLib, then its
  # mkFlake with the rest.
  mkFlake = options: (mkLib { inherit (options) inputs src; snowfall = options.snowfall or { }; }).mkFlake options;

  mkLib = { inputs, src, snowfall ? { } }:
    let
      nlib = inputs.nixpkgs.lib;
      namespace = snowfall.namespace or "internal";
      root = snowfall.root or src;
      # systems/, modules/, homes/ and the modules' lib/ are below the
      # root; mkLib's own lib/ and `get-file` below the flake's source.
      at = p: "${root}/${p}";
      ofSource = p: "${src}/${p}";
      # The flake's inputs as modules and its library see them.
      userInputs = b.removeAttrs inputs [ "src" ];

      # ---- lib.snowfall.fs
      entries = dir: if b.pathExists dir then b.readDir dir else { };
      directories = dir: map (n: "${dir}/${n}") (b.attrNames (nlib.filterAttrs (_: t: t == "directory") (entries dir)));
      files = dir: map (n: "${dir}/${n}") (b.attrNames (nlib.filterAttrs (_: t: t == "regular") (entries dir)));
      filesRecursive = dir:
        nlib.concatLists (nlib.mapAttrsToList
          (n: t: if t == "directory" then filesRecursive "${dir}/${n}" else if t == "regular" then [ "${dir}/${n}" ] else [ ])
          (entries dir));
      isNix = nlib.hasSuffix ".nix";
      isDefault = f: b.baseNameOf f == "default.nix";
      fs = {
        get-file = ofSource;
        get-snowfall-file = at;
        get-directories = directories;
        get-files = files;
        get-files-recursive = filesRecursive;
        get-nix-files = dir: b.filter isNix (files dir);
        get-nix-files-recursive = dir: b.filter isNix (filesRecursive dir);
        get-default-nix-files = dir: b.filter isDefault (files dir);
        get-default-nix-files-recursive = dir: b.filter isDefault (filesRecursive dir);
        get-non-default-nix-files = dir: b.filter (f: isNix f && !(isDefault f)) (files dir);
        is-file-kind = k: k == "regular";
        is-directory-kind = k: k == "directory";
        is-symlink-kind = k: k == "symlink";
      };

      # Every input's own lib (an unavailable input's is unread).
      inputLibs = b.mapAttrs (_: i: i.lib)
        (nlib.filterAttrs (_: i: b.isAttrs (i.lib or null)) (b.removeAttrs inputs [ "self" "src" ]));
      baseLib = nlib // inputLibs // {
        inherit mkFlake;
        snowfall = { inherit fs mkFlake; };
      };
      # The flake's library in DIR: a fixed point, each file seeing all of
      # it.
      userLibAt = dir: nlib.fix (self:
        let
          args = {
            inputs = userInputs;
            snowfall-inputs = { };
            inherit namespace;
            lib = baseLib // { ${namespace} = self; };
          };
          call = path:
            let m = import path; in
            if nlib.isFunction m then m (b.intersectAttrs (nlib.functionArgs m) args) else m;
        in
        b.foldl' nlib.recursiveUpdate { } (map call (fs.get-default-nix-files-recursive dir)));
      userLib = userLibAt (at "lib");
      # What modules get as `lib`.
      systemLib = baseLib // { ${namespace} = userLib; };
      # Home Manager's modules want `lib.hm`.
      homeLib = systemLib // nlib.optionalAttrs (systemLib ? home-manager) { inherit (systemLib.home-manager) hm; };

      mkFlake = options:
        let
          snowfallOptions = [
            "src" "inputs" "snowfall" "channels" "channels-config" "outputs-builder" "systems" "homes"
            "overlays" "overlay-package-namespace" "alias" "extendedLib" "templates" "checks"
            "supportedSystems" "modules"
          ];
          systemsOptions = options.systems or { };
          homesOptions = options.homes or { };
          linuxTargets = b.filter (t: nlib.hasSuffix "-linux" (b.baseNameOf t)) (directories (at "systems"));
          hosts = nlib.concatMap
            (t: map (h: { target = b.baseNameOf t; name = b.baseNameOf h; path = "${h}/default.nix"; })
              (b.filter (h: b.pathExists "${h}/default.nix") (directories t)))
            linuxTargets;
          # The channel's packages, one set per system.
          channels = nlib.genAttrs (nlib.unique (map (h: h.target) hosts))
            (system: import inputs.nixpkgs { inherit system; config = options.channels-config or { }; });
          pkgsOf = system: channels.${system} or (import inputs.nixpkgs { inherit system; });

          # A module of the flake's modules/ tree: called with the
          # system's arguments, `lib`, `inputs`, `namespace` and the
          # channel's packages (the module system passes the rest).
          wrap = path: args @ { pkgs, ... }:
            let
              system = args.system or args.pkgs.stdenv.hostPlatform.system;
              target = args.target or system;
              m = import path;
              given = args // {
                inherit system target namespace;
                format = args.format or "linux";
                virtual = args.virtual or false;
                systems = args.systems or { };
                lib = systemLib;
                pkgs = pkgsOf system;
                inputs = userInputs;
              };
            in
            (if nlib.isFunction m then m given else m) // { _file = path; };

          # homes/TARGET/USER@HOST/default.nix of a host.
          homesOf = host:
            nlib.concatMap
              (t: nlib.concatMap
                (d:
                  let
                    parts = b.filter b.isString (b.split "@" (b.baseNameOf d));
                    user = b.head parts;
                    on = if b.length parts > 1 then b.elemAt parts 1 else "";
                  in
                  nlib.optional (b.pathExists "${d}/default.nix" && (on == host.name || (on == "" && b.baseNameOf t == host.target)))
                    { inherit user; name = b.baseNameOf d; path = "${d}/default.nix"; })
                (directories t))
              (directories (at "homes"));

          # The arguments a host's modules get (NixOS's and Home Manager's).
          argsOf = host: systems: {
            inherit systems;
            system = host.target;
            target = host.target;
            format = "linux";
            virtual = false;
            host = host.name;
            inputs = userInputs;
          };

          homeModules = host: systems:
            let
              shared = m: { home-manager.sharedModules = [ m ]; };
            in
            [
              inputs.home-manager.nixosModules.home-manager
              {
                home-manager.extraSpecialArgs = argsOf host systems // { lib = homeLib; };
                home-manager.useGlobalPkgs = nlib.mkDefault true;
              }
              (shared homeUserModule)
            ]
            ++ map shared (homesOptions.modules or [ ])
            ++ map (p: shared (wrap p)) (fs.get-default-nix-files-recursive (at "modules/home"))
            ++ map
              (home: { config, ... }: {
                snowfallorg.users.${home.user} = { };
                home-manager.users.${home.user} = nlib.mkIf config.snowfallorg.users.${home.user}.home.enable {
                  imports = [ config.snowfallorg.users.${home.user}.home.config home.path ]
                    ++ (homesOptions.users.${home.name}.modules or [ ]);
                  snowfallorg.user = { enable = nlib.mkDefault true; name = nlib.mkDefault home.user; };
                  _module.args = b.removeAttrs ((homesOptions.users.${home.name}.specialArgs or { }) // { inherit namespace; })
                    [ "options" "config" "lib" "pkgs" "specialArgs" "host" ];
                };
              })
              (homesOf host);

          nixosConfigurations = nlib.fix (systems: b.listToAttrs (map
            (host: {
              inherit (host) name;
              value = inputs.nixpkgs.lib.nixosSystem {
                system = host.target;
                modules = [ host.path usersModule ]
                  ++ map wrap (fs.get-default-nix-files-recursive (at "modules/nixos"))
                  ++ (systemsOptions.hosts.${host.name}.modules or [ ])
                  ++ (systemsOptions.modules.nixos or [ ])
                  ++ nlib.optionals (inputs ? home-manager) (homeModules host systems);
                specialArgs = (systemsOptions.hosts.${host.name}.specialArgs or { })
                  // argsOf host systems // { inherit namespace; lib = systemLib; };
              };
            })
            hosts));
          # A module's name: its directory below modules/KIND.
          modulesOf = kind:
            let dir = at "modules/${kind}"; in
            b.listToAttrs (map
              (p: { name = nlib.removeSuffix "/default.nix" (nlib.removePrefix "${dir}/" p); value = wrap p; })
              (fs.get-default-nix-files-recursive dir));
        in
        b.removeAttrs options snowfallOptions // {
          inherit nixosConfigurations;
          lib = userLib;
          nixosModules = modulesOf "nixos";
          homeModules = modulesOf "home";
          pkgs = b.mapAttrs (_: p: { nixpkgs = p; }) channels;
        };
    in
    nlib.recursiveUpdate baseLib (userLibAt (ofSource "lib"));
}
