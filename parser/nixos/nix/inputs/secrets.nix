# Stand-ins for sops-nix's and agenix's NixOS and Home Manager modules,
# written for nixplan: what a plan reads of them is where each secret
# lands (`path`, with the real modules' defaults) and who owns it; every
# other setting is accepted as written (freeform).
let
  # `kind`: "nixos" or "home-manager".
  sops = kind: { lib, config, ... }:
    let
      t = lib.types;
      cfg = config.sops;
      # The group of a secret's owner, as the real modules default it.
      groupOf = owner: if owner != null then config.users.users.${owner}.group or null else null;
      linkDir = if kind == "nixos" then null else cfg.defaultSymlinkPath;
      secret = t.submodule ({ name, config, ... }: {
        freeformType = t.attrsOf t.anything;
        options = {
          name = lib.mkOption { type = t.str; default = name; };
          neededForUsers = lib.mkOption { type = t.bool; default = false; };
          path = lib.mkOption {
            type = t.str;
            default =
              if linkDir != null then "${linkDir}/${name}"
              else if config.neededForUsers then "/run/secrets-for-users/${config.name}"
              else "/run/secrets/${config.name}";
          };
          mode = lib.mkOption { type = t.str; default = "0400"; };
          owner = lib.mkOption { type = t.nullOr t.str; default = null; };
          group = lib.mkOption { type = t.nullOr t.str; default = groupOf config.owner; };
        };
      });
      template = t.submodule ({ name, config, ... }: {
        freeformType = t.attrsOf t.anything;
        options = {
          name = lib.mkOption { type = t.str; default = name; };
          path = lib.mkOption {
            type = t.str;
            default = if linkDir != null then "${linkDir}/rendered/${config.name}" else "/run/secrets/rendered/${config.name}";
          };
          content = lib.mkOption { type = t.lines; default = ""; };
          mode = lib.mkOption { type = t.str; default = "0400"; };
          owner = lib.mkOption { type = t.nullOr t.str; default = null; };
        };
      });
    in
    {
      options.sops = lib.mkOption {
        default = { };
        type = t.submodule {
          freeformType = t.attrsOf t.anything;
          options = {
            secrets = lib.mkOption { type = t.attrsOf secret; default = { }; };
            templates = lib.mkOption { type = t.attrsOf template; default = { }; };
            placeholder = lib.mkOption { type = t.attrsOf t.str; default = { }; };
          } // lib.optionalAttrs (kind != "nixos") {
            defaultSymlinkPath = lib.mkOption { type = t.str; default = "${config.xdg.configHome or "${config.home.homeDirectory}/.config"}/sops-nix/secrets"; };
          };
        };
      };
      config.sops.placeholder = lib.mapAttrs
        (name: _: lib.mkDefault "<SOPS:${builtins.hashString "sha256" name}:PLACEHOLDER>")
        cfg.secrets;
    };

  age = kind: { lib, config, ... }:
    let
      outer = config;
      t = lib.types;
      cfg = config.age;
      secret = t.submodule ({ name, config, ... }: {
        freeformType = t.attrsOf t.anything;
        options = {
          name = lib.mkOption { type = t.str; default = name; };
          path = lib.mkOption { type = t.str; default = "${cfg.secretsDir}/${config.name}"; };
          mode = lib.mkOption { type = t.str; default = "0400"; };
          symlink = lib.mkOption { type = t.bool; default = true; };
        } // lib.optionalAttrs (kind == "nixos") {
          owner = lib.mkOption { type = t.str; default = "0"; };
          group = lib.mkOption { type = t.str; default = outer.users.users.${config.owner}.group or "0"; };
        };
      });
    in
    {
      options.age = lib.mkOption {
        default = { };
        type = t.submodule {
          freeformType = t.attrsOf t.anything;
          options = {
            secrets = lib.mkOption { type = t.attrsOf secret; default = { }; };
            secretsDir = lib.mkOption {
              type = t.str;
              default = if kind == "nixos" then "/run/agenix" else "\${XDG_RUNTIME_DIR}/agenix";
            };
            secretsMountPoint = lib.mkOption {
              type = t.str;
              default = if kind == "nixos" then "/run/agenix.d" else "\${XDG_RUNTIME_DIR}/agenix.d";
            };
          };
        };
      };
    };
in
{
  sops = { nixos = sops "nixos"; home-manager = sops "home-manager"; };
  age = { nixos = age "nixos"; home-manager = age "home-manager"; };
}
