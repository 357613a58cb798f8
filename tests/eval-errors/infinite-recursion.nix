let
  config = { fileSystems = config.fileSystems // { "/" = { }; }; };
in
config.fileSystems
