let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types; in
(lib.evalModules { modules = [
  { options.users = mkOption { default = { }; type = types.attrsOf (types.submodule ({ name, config, ... }: {
      options.name = mkOption { type = types.str; default = name; };
      options.home = mkOption { type = types.str; default = "/home/${config.name}"; };
      options.uid = mkOption { type = types.nullOr types.int; default = null; };
      options.isNormalUser = mkOption { type = types.bool; default = false; };
    })); }; }
  { users.alice = { uid = 1000; isNormalUser = true; }; }
  { users.alice.home = "/srv/alice"; users.bob = { }; }
]; }).config.users
