let
  lib = import <nixplan/lib.nix>;
  base = { lib, config, ... }: { options.greeting = lib.mkOption { type = lib.types.str; default = "hello ${config.who}"; }; };
  who = { options.who = lib.mkOption { type = lib.types.str; }; };
in (lib.evalModules { modules = [ { imports = [ base who ]; } { who = "world"; } ]; }).config.greeting
