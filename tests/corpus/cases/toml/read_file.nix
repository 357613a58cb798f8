builtins.fromTOML (builtins.readFile ../../data/config.toml)
