# Home Manager's library and impermanence's Home Manager module over
# nixpkgs' real lib (tests/upstream/evals/home-manager.nix: a user's
# home.persistence and an activation DAG).
{ upstream }:
import ../../tests/upstream/evals/home-manager.nix { inherit upstream; }
