import "/nonexistent/nixplan/corpus.nix"
