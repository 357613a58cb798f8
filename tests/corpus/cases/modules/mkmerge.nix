let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types mkMerge mkIf; in
(lib.evalModules { modules = [
  { options.l = mkOption { type = types.listOf types.int; }; options.s = mkOption { type = types.lines; default = ""; }; }
  { l = mkMerge [ [ 1 ] (mkIf true [ 2 ]) (mkIf false [ 3 ]) ]; s = mkMerge [ "a" "b" ]; }
  { config = mkMerge [ { l = [ 4 ]; } (mkIf false { l = [ 5 ]; }) ]; }
]; }).config
