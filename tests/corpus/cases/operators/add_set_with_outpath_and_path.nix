{ outPath = "/nix/store/abc-src"; } + /secrets/x.age
