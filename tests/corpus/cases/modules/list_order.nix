let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types mkBefore mkAfter mkOrder; in
(lib.evalModules { modules = [
  { options.l = mkOption { type = types.listOf types.str; }; }
  { l = mkAfter [ "after" ]; }
  { l = [ "plain1" ]; }
  { l = mkBefore [ "before" ]; }
  { l = mkOrder 1200 [ "order1200" ]; }
  { l = [ "plain2" ]; }
]; }).config.l
