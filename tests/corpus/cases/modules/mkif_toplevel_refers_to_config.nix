let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types mkIf; in
(lib.evalModules { modules = [
  { options.role = mkOption { type = types.enum [ "web" "db" ]; default = "web"; };
    options.ports = mkOption { type = types.listOf types.port; default = [ ]; }; }
  ({ config, ... }: { config = mkIf (config.role == "web") { ports = [ 80 443 ]; }; })
  ({ config, ... }: { config = mkIf (config.role == "db") { ports = [ 5432 ]; }; })
]; }).config.ports
