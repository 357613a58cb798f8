# nixpkgs lib's own unit tests that nix 2.8 can run (lib/tests/systems.nix
# and fetchers.nix; misc.nix needs builtins.readFileType, newer than 2.8):
# empty lists mean every test passed.
{ upstream }:
[
  (import (upstream + "/nixpkgs-lib/lib/tests/systems.nix"))
  (import (upstream + "/nixpkgs-lib/lib/tests/fetchers.nix"))
]
