let lib = import <nixplan/lib.nix>; inherit (lib) mkOption types mkDefault; 
  e = lib.evalModules { modules = [ { options.x = mkOption { type = types.int; default = 1; }; options.y = mkOption { type = types.int; }; } { x = mkDefault 2; } ]; };
in { xDefined = e.options.x.isDefined; xPrio = e.options.x.highestPrio; yDefined = e.options.y.isDefined; xDefs = e.options.x.definitions; }
