# flake-compat (`import flake-compat { src = ./dir; }`, as flake-parts'
# partitions load their `extraInputsFlake`) in nixplan: the flake at `src`
# loaded as nixplan loads flakes (`builtins.getFlake` of the directory),
# so that its lock's inputs are resolved as the target's are
# (--override-source, /nix/store, nixplan's cache, fetched and checked; an
# unavailable one a stand-in or empty modules, with a warning) instead of
# each failing in `fetchTree`. `outputs`, `defaultNix` and `shellNix` as
# flake-compat gives them. Written for nixplan.
{ src, system ? builtins.currentSystem or "unknown-system", ... }:
let
  outputs = builtins.getFlake ("path:" + toString (src.outPath or src));
  # As flake-compat: the newer output (`packages.SYSTEM.default`) wins.
  defaultFrom = attrs: kind: plural:
    (if attrs ? ${kind}.${system} then { default = attrs.${kind}.${system}; } else { })
    // (if attrs ? ${plural}.${system}.default then { default = attrs.${plural}.${system}.default; } else { });
  defaultNix = builtins.removeAttrs outputs [ "__functor" ] // defaultFrom outputs "defaultPackage" "packages";
  shellNix = defaultNix // defaultFrom outputs "devShell" "devShells";
in
{ inherit outputs defaultNix shellNix; }
