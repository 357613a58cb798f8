let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types mkIf; in
(lib.evalModules { modules = [
  { options.enable = mkOption { type = types.bool; default = false; };
    options.items = mkOption { type = types.listOf types.str; default = [ ]; }; }
  ({ config, ... }: mkIf config.enable { items = throw "never evaluated"; })
  ({ config, ... }: { items = mkIf (!config.enable) [ "off" ]; })
]; }).config.items
