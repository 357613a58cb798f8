let lib = import <nixplan/lib.nix>;
  noisy = { key = "noisy"; config.x = [ "noisy" ]; };
in (lib.evalModules { modules = [ noisy { x = [ "kept" ]; } { disabledModules = [ { key = "noisy"; } ]; } ]; }).config.x
