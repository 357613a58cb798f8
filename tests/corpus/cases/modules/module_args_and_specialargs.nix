let lib = import <nixplan/lib.nix>; in
(lib.evalModules {
  specialArgs = { site = "eu"; };
  modules = [
    { _module.args.pkgs = { hello = "pkg-hello"; }; }
    ({ pkgs, site, ... }: { options.out = lib.mkOption { type = lib.types.str; default = "${pkgs.hello}@${site}"; }; })
  ];
}).config.out
