# impermanence's `environment.persistence` options, declared for nixplan
# with impermanence's types and defaults. Written for nixplan.
{ lib, config, ... }:
let
  inherit (lib) mkOption types;
  opt = type: default: mkOption { inherit type default; };
  str = types.str;
  users = config.users.users;
  entryDefaults = { user, group }: {
    user = opt str user;
    group = opt str group;
    mode = opt str "0755";
  };
  dirType = root: defaults: types.coercedTo str (d: { directory = d; }) (types.submodule {
    options = entryDefaults defaults // {
      directory = mkOption { type = str; };
      persistentStoragePath = opt str root;
    };
  });
  fileType = root: defaults: types.coercedTo str (f: { file = f; }) (types.submodule {
    options = {
      file = mkOption { type = str; };
      persistentStoragePath = opt str root;
      parentDirectory = entryDefaults defaults;
    };
  });
in
{
  options.environment.persistence = opt (types.attrsOf (types.submodule ({ name, config, ... }: {
    options = {
      persistentStoragePath = opt str name;
      enable = opt types.bool true;
      hideMounts = opt types.bool false;
      enableDebugging = opt types.bool false;
      enableWarnings = opt types.bool true;
      directories = opt (types.listOf (dirType config.persistentStoragePath { user = "root"; group = "root"; })) [ ];
      files = opt (types.listOf (fileType config.persistentStoragePath { user = "root"; group = "root"; })) [ ];
      users = opt (types.attrsOf (types.submodule ({ name, ... }:
        let defaults = { user = name; group = users.${name}.group or "users"; }; in {
          options = {
            home = opt str "/home/${name}";
            directories = opt (types.listOf (dirType config.persistentStoragePath defaults)) [ ];
            files = opt (types.listOf (fileType config.persistentStoragePath defaults)) [ ];
          };
        }))) { };
    };
  }))) { };
}
