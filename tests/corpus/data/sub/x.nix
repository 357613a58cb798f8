# Imports a sibling relative to this file, not to the importer.
{ y = import ./y.nix; base = baseNameOf ./y.nix; }
