# impermanence's `environment.persistence` options, declared for nixplan
# with impermanence's types and defaults. Written for nixplan.
{ lib, config, ... }:
let
  inherit (lib) mkOption;
  # disko's and impermanence's submodules are strict, as in NixOS: an
  # option they do not declare (`mountPoint` for `mountpoint`) is an error.
  types = lib.types // {
    submodule = lib.types.nixplanStrictSubmodule or lib.types.submodule;
    submoduleWith = lib.types.nixplanStrictSubmoduleWith or lib.types.submoduleWith;
  };
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };
  opt = type: default: mkOption { inherit type default; };
  str = types.str;
  users = config.users.users;
  # Persisted entries are plain records: a submodule evaluation per entry
  # (as impermanence declares them) costs too much for configurations with
  # tens of thousands of directories, and an entry is only ever defined once
  # (list elements do not merge), so defaults // definition has the same
  # meaning. Field types are checked as the submodule would.
  record = { name, defaults, required, fields }: (types.nixplanMkOptionType or types.mkOptionType) {
    inherit name;
    description = name;
    check = x: b.isAttrs x && b.all (f: x ? ${f}) required;
    merge = loc: defs:
      let
        def = (lib.last defs).value;
        # Nested records (parentDirectory) take their defaults too.
        v = defaults // b.mapAttrs (n: x: if b.isAttrs x && b.isAttrs (defaults.${n} or null) then defaults.${n} // x else x) def;
        bad = b.filter (f: v ? ${f} && !(fields.${f} v.${f})) (b.attrNames fields);
        unknown = b.filter (f: !(fields ? ${f})) (b.attrNames v);
      in
      if unknown != [ ] then lib.options.throwAt (lib.options.defPos defs) "The ${name} `${lib.options.showOption loc}' has unknown attributes: ${b.concatStringsSep ", " unknown}"
      else if bad != [ ] then lib.options.throwAt (lib.options.defPos defs) "The ${name} `${lib.options.showOption loc}' has a wrongly typed ${b.head bad}"
      else v;
  };
  isStr = b.isString;
  ownership = { user, group }: { inherit user group; mode = "0755"; };
  dirType = root: owner: types.coercedTo str (d: { directory = d; }) (record {
    name = "persisted directory";
    defaults = ownership owner // { persistentStoragePath = root; };
    required = [ "directory" ];
    fields = {
      directory = isStr; user = isStr; group = isStr; mode = isStr; persistentStoragePath = isStr;
      # impermanence's other per-entry options (not read by nixplan).
      hideMount = b.isBool; allowTrash = b.isBool; dirPath = isStr; home = x: x == null || isStr x;
      enableDebugging = b.isBool;
    };
  });
  fileType = root: owner: types.coercedTo str (f: { file = f; }) (record {
    name = "persisted file";
    defaults = { persistentStoragePath = root; parentDirectory = ownership owner; };
    required = [ "file" ];
    fields = {
      file = isStr;
      persistentStoragePath = isStr;
      parentDirectory = x: b.isAttrs x;
      # impermanence's other per-entry options (not read by nixplan).
      method = isStr; filePath = isStr; home = x: x == null || isStr x; enableDebugging = b.isBool;
    };
  });
  anyPersistence = config.environment.persistence != { };
in
{
  # impermanence creates the persistent directories in this activation
  # snippet (its text is impermanence's; nixplan knows its place).
  config.system.activationScripts = lib.mkIf anyPersistence {
    createPersistentStorageDirs = { text = "# provided by NixOS: impermanence"; deps = [ "users" "groups" ]; };
  };

  options.environment.persistence = opt (types.attrsOf (types.submodule ({ name, config, ... }: {
    options = {
      persistentStoragePath = opt str name;
      enable = opt types.bool true;
      hideMounts = opt types.bool false;
      allowTrash = opt types.bool false;
      assertions = opt (types.listOf types.unspecified) [ ];
      enableDebugging = opt types.bool false;
      enableWarnings = opt types.bool true;
      directories = opt (types.listOf (dirType config.persistentStoragePath { user = "root"; group = "root"; })) [ ];
      files = opt (types.listOf (fileType config.persistentStoragePath { user = "root"; group = "root"; })) [ ];
      users = opt (types.attrsOf (types.submodule ({ name, ... }:
        let defaults = { user = name; group = users.${name}.group or "users"; }; in {
          options = {
            home = opt str "/home/${name}";
            assertions = opt (types.listOf types.unspecified) [ ];
            directories = opt (types.listOf (dirType config.persistentStoragePath defaults)) [ ];
            files = opt (types.listOf (fileType config.persistentStoragePath defaults)) [ ];
          };
        }))) { };
    };
  }))) { };
}
