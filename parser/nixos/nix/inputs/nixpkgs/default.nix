# `import nixpkgs { ... }` on the nixpkgs stand-in: an opaque package set
# with the given overlays applied. Written for nixplan.
{ system ? "x86_64-linux", localSystem ? { inherit system; }, overlays ? [ ], config ? { }, ... }:
let
  base = builtins.__nixplanOpaque { kind = "pkgs"; name = localSystem.system or system; };
  apply = prev: overlay: prev // overlay final prev;
  final = builtins.foldl' apply base overlays;
in
final
