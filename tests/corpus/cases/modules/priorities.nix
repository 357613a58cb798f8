let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types mkDefault mkForce mkOverride mkOptionDefault; in
(lib.evalModules { modules = [
  { options = { a = mkOption { type = types.int; default = 1; }; b = mkOption { type = types.int; default = 1; };
      c = mkOption { type = types.int; default = 1; }; d = mkOption { type = types.int; }; }; }
  { a = mkDefault 2; b = 3; c = mkForce 4; d = mkOverride 10 5; }
  { b = mkDefault 30; c = 40; d = mkOverride 20 50; }
  { a = mkOptionDefault 7; }
]; }).config
